"""Parity of tfstyle's MicroAST port with the authors' own PyTorch code (a development check, not part of the package).

Needs a throwaway PyTorch environment outside the repository and the authors' code; tfstyle never
depends on PyTorch, and neither the package nor its tests import this script::

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy pillow
    # the authors' net_microAST.py and function.py (github.com/EndyWon/MicroAST) copied to /tmp/microast_authors
    python tools/microast_parity.py --authors-code /tmp/microast_authors --torch-python /tmp/torchenv/bin/python \\
        --out benchmarks/results/microast_parity.md

For ``--pairs`` holdout photo x painting pairs (photos every k-th of ``holdout/content``, paintings every
k-th of ``holdout/style``, zipped) it writes the inputs (RGB float32 in [0, 1], photo cover-cropped to
each ``--sizes`` entry, painting cover-cropped to 384x384) as ``.npy`` under ``--work``, runs the authors'
``net.Encoder`` x2 / ``net.Modulator`` / ``net.Decoder`` / ``net.TestNet`` on them with their
checkpoints loaded by ``torch.load`` (alpha 1, CPU, float32), saves their raw outputs as ``.npy``, and
compares with :meth:`tfstyle.models.microast.MicroASTNet._forward01` of the converted ``.keras`` on the
same arrays: the maximum absolute difference over the whole output (on [0, 1], raw and clipped).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

RUNNER = textwrap.dedent('''
    import json, sys, numpy as np, torch
    sys.path.insert(0, sys.argv[1])
    import net_microAST as net
    ckpt, work = sys.argv[2], sys.argv[3]
    torch.set_num_threads(1)
    parts = {"content_encoder": net.Encoder(), "style_encoder": net.Encoder(), "modulator": net.Modulator(),
             "decoder": net.Decoder()}
    for name, module in parts.items():
        module.eval()
        state = torch.load(f"{ckpt}/{name}_iter_160000.pth.tar", map_location="cpu")
        module.load_state_dict(state)
        np.savez(f"{work}/torch_{name}.npz", **{k: v.numpy() for k, v in state.items()})
    network = net.TestNet(parts["content_encoder"], parts["style_encoder"], parts["modulator"], parts["decoder"])
    jobs = json.load(open(f"{work}/jobs.json"))
    with torch.no_grad():
        for job in jobs:
            content = torch.from_numpy(np.load(f"{work}/{job['content']}")).permute(2, 0, 1)[None]
            style = torch.from_numpy(np.load(f"{work}/{job['style']}")).permute(2, 0, 1)[None]
            out = network(content, style, 1.0)[0].permute(1, 2, 0).numpy()
            np.save(f"{work}/{job['output']}", out.astype(np.float32))
    print(f"torch {torch.__version__}: {len(jobs)} outputs")
''')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors-code", required=True, type=pathlib.Path,
                        help="folder with the authors' net_microAST.py and function.py")
    parser.add_argument("--torch-python", required=True, help="python of an environment that has torch")
    parser.add_argument("--checkpoints", type=pathlib.Path, default=SHARED / "anchors" / "microast")
    parser.add_argument("--model", type=pathlib.Path, default=ROOT / "tfstyle" / "weights" / "microast_v1.keras")
    parser.add_argument("--content", type=pathlib.Path, default=SHARED / "data" / "holdout" / "content")
    parser.add_argument("--styles", type=pathlib.Path, default=SHARED / "data" / "holdout" / "style")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--sizes", default="384x384,301x457", help="content sizes HxW, comma-separated")
    parser.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/microast_parity"))
    parser.add_argument("--out", type=pathlib.Path, default=None, help="append the Markdown result here")
    args = parser.parse_args(argv)

    import keras

    from tfstyle.image.io import cover_crop, list_images, load_image
    from tfstyle.models.microast import MicroASTNet  # noqa: F401  (registers the class)

    args.work.mkdir(parents=True, exist_ok=True)
    contents, styles = list_images(args.content), list_images(args.styles)
    contents = contents[::max(1, len(contents) // args.pairs)][:args.pairs]
    styles = styles[::max(1, len(styles) // args.pairs)][:args.pairs]
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    jobs = []
    for i, (c, s) in enumerate(zip(contents, styles)):
        np.save(args.work / f"style{i}.npy", (cover_crop(load_image(s), (384, 384)) / 255.0).astype(np.float32))
        for h, w in sizes:
            photo = (cover_crop(load_image(c), (h, w)) / 255.0).astype(np.float32)
            np.save(args.work / f"content{i}_{h}x{w}.npy", photo)
            jobs.append({"content": f"content{i}_{h}x{w}.npy", "style": f"style{i}.npy",
                         "output": f"authors{i}_{h}x{w}.npy", "names": [c.name, s.name], "size": [h, w]})
    (args.work / "jobs.json").write_text(json.dumps(jobs))
    (args.work / "run_authors.py").write_text(RUNNER)
    done = subprocess.run([args.torch_python, str(args.work / "run_authors.py"), str(args.authors_code.resolve()),
                           str(args.checkpoints.resolve()), str(args.work)], capture_output=True, text=True)
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
        return 1
    torch_line = done.stdout.strip().splitlines()[-1]

    from tfstyle.devtools.torch_checkpoint import read_legacy_checkpoint

    PARTS = ("content_encoder", "style_encoder", "modulator", "decoder")
    ours_tensors = {f"{part}.{name}": value for part in PARTS
                    for name, value in read_legacy_checkpoint(args.checkpoints / f"{part}_iter_160000.pth.tar").items()}
    torch_tensors = {}
    for part in PARTS:
        with np.load(args.work / f"torch_{part}.npz") as archive:
            torch_tensors.update({f"{part}.{k}": archive[k] for k in archive.files})
    same = sorted(ours_tensors) == sorted(torch_tensors) and all(
        ours_tensors[k].shape == torch_tensors[k].shape and np.array_equal(ours_tensors[k], torch_tensors[k])
        for k in torch_tensors)
    tensor_line = (f"The converter's own reader (`tools/convert_microast.py`, no PyTorch) gives "
                   f"{'the same' if same else 'DIFFERENT'} {len(torch_tensors)} tensors as `torch.load`, bit for bit.")
    print(tensor_line)
    model = keras.saving.load_model(args.model)
    rows, worst = [], {}
    for job in jobs:
        content = np.load(args.work / job["content"])[None]
        style = np.load(args.work / job["style"])[None]
        code = model.encode_style(style * 255.0)
        ours = np.asarray(keras.ops.convert_to_numpy(model._forward01(content, code)))[0]
        theirs = np.load(args.work / job["output"])
        if ours.shape != theirs.shape:
            print(f"shape mismatch {ours.shape} vs {theirs.shape} for {job}", file=sys.stderr)
            return 1
        raw = float(np.abs(ours - theirs).max())
        clipped = float(np.abs(np.clip(ours, 0, 1) - np.clip(theirs, 0, 1)).max())
        mean = float(np.abs(ours - theirs).mean())
        size = "x".join(map(str, job["size"]))
        worst[size] = max(worst.get(size, 0.0), raw)
        rows.append(f"| {job['names'][0]} | {job['names'][1]} | {size} -> {theirs.shape[0]}x{theirs.shape[1]} | "
                    f"{raw:.2e} | {clipped:.2e} | {mean:.1e} |")
        print(rows[-1], flush=True)
    ok = all(v <= 1e-3 for v in worst.values())
    lines = [f"### MicroAST port vs the authors' PyTorch code ({datetime.date.today()})", "",
             f"Authors' `net_microAST.py` (github.com/EndyWon/MicroAST) run with {torch_line.split(':')[0]} (CPU, "
             "float32, alpha 1, checkpoints loaded by `torch.load`) vs `tfstyle/weights/microast_v1.keras` "
             f"(Keras {keras.__version__}, backend {keras.backend.backend()}), same float32 inputs in [0, 1]. "
             "Photos cover-cropped to the size, paintings to 384x384. Differences on the [0, 1] scale over the "
             "whole decoder output (which is 4 x ceil(ceil(size / 2) / 2): 301x457 -> 304x460).", "", tensor_line, "",
             "| photo | painting | size -> output | max abs diff (raw) | max abs diff (clipped to [0, 1]) | "
             "mean abs diff |", "|---|---|---|---|---|---|", *rows, "",
             "Worst: " + ", ".join(f"{k}: {v:.2e}" for k, v in worst.items()) +
             f" -> {'within' if ok else 'NOT within'} 1e-3.", "",
             f"Made by `python tools/microast_parity.py --authors-code <dir> --torch-python <venv>/bin/python "
             f"--pairs {args.pairs} --sizes {args.sizes}`."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n")
    return 0 if ok and same else 2


if __name__ == "__main__":
    sys.exit(main())
