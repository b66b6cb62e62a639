"""Build a preset's LiteRT files once, into the user cache that :mod:`tfstyle.lite` runs them from.

Needs TensorFlow (one conversion per file, through :func:`tfstyle.export.tflite.convert_signature`:
float32, dynamic height and width, builtin ops only). The files and their ``manifest.json``
appear together or not at all (:func:`tfstyle.io.write_files`), so a half-built cache is never
used and two processes building at once both leave a complete folder. The command line builds
on first use; in Python call :func:`build_litert_cache` (or run ``tfstyle export --cache NAME``).

Example (no conversion: the default preset's folder name):
    >>> from tfstyle.lite import cache_dir
    >>> cache_dir("wave").name.startswith("wave-")
    True
"""
from __future__ import annotations

import json
import sys
import time

from tfstyle import __version__
from tfstyle.errors import OptionError
from tfstyle.export.tflite import check_ops, convert_signature
from tfstyle.io import write_files
from tfstyle.lite import CONTENT, MANIFEST, OUTPUT, STYLE, VECTOR, cache_dir, cached_files, lite_kind

__all__ = ["build_litert_cache", "ensure_litert_cache"]

#: Rough build time, for the note on stderr (measured on a 2-core machine).
BUILD_SECONDS = {"fast": 25, "arbitrary": 60}


def _dynamic(channels: int = 3) -> tuple:
    return (1, None, None, channels)


def _transfer_files(transfer, conditioned: bool) -> dict[str, bytes]:
    """``whole``/``stats``/``tile`` for a JohnsonNet (or a StyleTransferNet taking a ``style_vector``)."""
    import tensorflow as tf

    dim = getattr(transfer, "style_dim", None)
    channels = [conv.filters for conv in transfer.normalized_convs()]
    content = {CONTENT: _dynamic()}
    vector = {VECTOR: (1, dim)} if conditioned else {}

    def conditioning(kwargs):
        return transfer.conditioning(kwargs[VECTOR]) if conditioned else None

    def whole(**kwargs):
        return {OUTPUT: tf.cast(transfer.transform(kwargs[CONTENT], conditioning(kwargs)), tf.float32)}

    def stats(**kwargs):
        moments = transfer.norm_stats(kwargs[CONTENT], conditioning=conditioning(kwargs))
        out = {}
        for i, (mean, var) in enumerate(moments):
            out[f"mean_{i:02d}"], out[f"var_{i:02d}"] = mean, var
        return out

    moment_inputs = {}
    for i, c in enumerate(channels):
        moment_inputs[f"mean_{i:02d}"] = moment_inputs[f"var_{i:02d}"] = (1, 1, 1, c)

    def tile(**kwargs):
        moments = [(kwargs[f"mean_{i:02d}"], kwargs[f"var_{i:02d}"]) for i in range(len(channels))]
        return {OUTPUT: tf.cast(transfer.transform(kwargs[CONTENT], conditioning(kwargs), stats=moments), tf.float32)}

    return {"whole": _convert(transfer, whole, {**content, **vector}),
            "stats": _convert(transfer, stats, {**content, **vector}),
            "tile": _convert(transfer, tile, {**content, **vector, **moment_inputs})}


def _convert(model, function, inputs: dict) -> bytes:
    names = list(inputs)

    def serve(*args):  # ExportArchive passes the inputs positionally, in the order of the specs
        return function(**dict(zip(names, args)))

    content = convert_signature(model, serve, inputs, "float32")
    check_ops(content, require_gpu=False)  # refuses Flex / custom ops
    return content


def build_litert_cache(name: str, *, quiet: bool = False) -> dict:
    """Convert preset ``name`` to its LiteRT files in :func:`tfstyle.lite.cache_dir` (even if they exist).

    Prints "building the LiteRT file for NAME once (~N s)" on stderr unless ``quiet``.
    Returns ``{role: path}`` as :func:`tfstyle.lite.cached_files`.
    """
    kind = lite_kind(name)
    if kind is None:
        raise OptionError(f"{name!r} is not a shipped preset with LiteRT files (fast JohnsonNet or arbitrary "
                          "ArbitraryStyleNet presets)")
    if not quiet:
        print(f"tfstyle: building the LiteRT file for {name!r} once (~{BUILD_SECONDS[kind]} s); later runs "
              "start without TensorFlow", file=sys.stderr)
    start = time.perf_counter()
    from tfstyle.presets import load_model

    net = load_model(name, kind=kind)
    manifest = {"key": cache_dir(name).name, "preset": name, "kind": kind, "format": "float32",
                "tfstyle_version": __version__}
    if kind == "fast":
        files = _transfer_files(net, conditioned=False)
    else:
        import tensorflow as tf

        side = int(net.style_size)
        files = _transfer_files(net.transfer, conditioned=True)
        files["predictor"] = _convert(net.predictor, lambda **kw: {VECTOR: tf.cast(net.predict_style(kw[STYLE]),
                                                                                   tf.float32)},
                                      {STYLE: (1, side, side, 3)})
        manifest.update(style_size=side, style_dim=int(net.style_dim))
    folder = cache_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    manifest["build_seconds"] = round(time.perf_counter() - start, 1)
    manifest["sizes"] = {role: len(content) for role, content in files.items()}
    write_files({**{folder / f"{role}.tflite": content for role, content in files.items()},
                 folder / MANIFEST: json.dumps(manifest, indent=2) + "\n"})
    found = cached_files(name)
    assert found is not None, f"the LiteRT cache for {name!r} was written but cannot be read back"
    return found


def ensure_litert_cache(name: str, *, quiet: bool = False) -> dict:
    """The cached files of preset ``name``, built first when missing (only then is TensorFlow imported)."""
    return cached_files(name) or build_litert_cache(name, quiet=quiet)
