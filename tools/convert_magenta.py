"""Convert Magenta's published arbitrary-style TFLite models into tfstyle's Keras models.

    python tools/convert_magenta.py --predictor ../shared/anchors/magenta/predict_int8_256.tflite \\
        --transfer ../shared/anchors/magenta/transfer_f16_384.tflite --out tfstyle/weights

writes ``OUT/magenta_v1.keras`` (an :class:`~tfstyle.models.ArbitraryStyleNet`: a
:class:`~tfstyle.models.MobileNetStylePredictor` and a :class:`~tfstyle.models.StyleTransferNet`
configured as :data:`~tfstyle.models.ghiasi.MAGENTA_TRANSFER`) and its entry in ``OUT/presets.json`` (its
registry record). Every constant tensor of both files (every tensor that no op produces and that
is not a model input; activations are computed, not stored) is mapped by name: weights and biases
into Keras variables (int8 dequantized with their per-channel scales and zero points, float16
cast to float32), and the structural constants (paddings, resize sizes, reduction axes, the
norms' epsilon) checked against the Keras configuration. A tensor left over or missing stops
the conversion with its name. The output arrays are a pure function of the two files.

What the files compute (read from their op graphs):

* Transfer (``transformer/...``): content in [0, 1]; ``contract/conv1..3`` = reflect pad + conv +
  bias + ReLU (batch norm folded, no instance norm); five ``residual`` blocks of reflect pad +
  conv + conditional instance norm (+ ReLU after the first) with the input added; ``expand/conv1,2``
  = nearest 2x resize + reflect pad + conv + CIN + ReLU; ``expand/conv3`` = reflect pad + 9x9 conv
  + CIN + sigmoid. CIN: ``(x - mean) * rsqrt(var + 1e-5) * gamma + beta`` over H, W, where
  ``gamma = style_params/.../StyleNorm/Conv_1(v)`` and ``beta = .../StyleNorm/Conv(v)`` (1x1
  convs of the 100-d bottleneck ``v``: gamma is used directly, not ``1 + gamma``).
* Predictor (``MobilenetV2/...``): style image in [0, 1] with no other preprocessing, MobileNetV2
  1.0 (ReLU6, "same" padding, batch norms folded into conv biases), mean over H, W of
  ``Conv_1`` (1280), then the 1x1 conv ``mobilenet_conv/Conv`` to 100 numbers. Its activations
  are int8 (per-tensor scales); the port computes them in float32, except that the output's int8
  range ([-2.05, 3.02]), where the file's vectors saturate, is kept as a clip (``--no-saturate``
  leaves it out).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_MAGENTA = ROOT.parent / "shared" / "anchors" / "magenta"
NAME = "magenta_v1"
SOURCE = ("Magenta arbitrary_image_stylization (Ghiasi et al. 2017, 'Exploring the structure of a real-time, "
          "arbitrary neural artistic stylization network'), TFLite release: predict_int8_256.tflite + "
          "transfer_f16_384.tflite")
CREDIT = ("Style predictor and transfer network weights by the Magenta authors (Google), "
          "https://github.com/magenta/magenta/tree/main/magenta/models/arbitrary_image_stylization, "
          "Apache License 2.0; converted to Keras by tfstyle (tools/convert_magenta.py).")


class ConversionError(ValueError):
    """A TFLite file does not have the tensors (or values) the Keras model needs."""


class TensorSource:
    """Named constant tensors of one TFLite file, each taken at most once by the mapping.

    Args:
        tensors: name -> value (already dequantized to float32, or integer constants).
        bias_of: weights name -> name of the bias tensor the op using them reads (TFLite shares
            one buffer between identical biases, e.g. the zero biases of all residual convs).
        label: shown in error messages (the file name).
    """

    def __init__(self, tensors: dict[str, np.ndarray], bias_of: dict[str, str] | None = None, label: str = "file"):
        self.tensors, self.bias_of, self.label = dict(tensors), dict(bias_of or {}), label
        self.used: set[str] = set()
        self.missing: list[str] = []

    def take(self, name: str) -> np.ndarray | None:
        """The tensor ``name`` (``None``, noted as missing, if the file has no such tensor)."""
        if name not in self.tensors:
            self.missing.append(name)
            return None
        self.used.add(name)
        return self.tensors[name]

    def bias(self, weights: str, default: str) -> np.ndarray | None:
        """The bias read with ``weights``: from the op graph, else the tensor named ``default``."""
        return self.take(self.bias_of.get(weights, default))

    def check(self) -> None:
        """Raise :class:`ConversionError` naming every missing and every left-over tensor."""
        leftover = sorted(set(self.tensors) - self.used)
        problems = []
        if self.missing:
            problems.append(f"missing tensors: {', '.join(sorted(set(self.missing)))}")
        if leftover:
            problems.append(f"tensors left over (not mapped): {', '.join(leftover)}")
        if problems:
            raise ConversionError(f"{self.label}: " + "; ".join(problems))


def _dequantize(value: np.ndarray, quantization: dict) -> np.ndarray:
    scales, zero_points = quantization["scales"], quantization["zero_points"]
    if value.dtype == np.float16:
        return value.astype(np.float32)
    if len(scales) == 0:
        return value  # integer constants (paddings, sizes, axes)
    axis = quantization["quantized_dimension"]
    shape = [1] * value.ndim
    shape[axis] = -1 if len(scales) > 1 else 1
    scale = np.asarray(scales, np.float64).reshape(shape)
    zero = np.asarray(zero_points, np.float64).reshape(shape)
    return ((value.astype(np.float64) - zero) * scale).astype(np.float32)


def read_tflite(path: str | os.PathLike) -> TensorSource:
    """Every constant tensor of a TFLite file, dequantized, with each conv's bias found in the op graph."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_path=os.fspath(path), experimental_preserve_all_tensors=True,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()
    produced = {i for op in ops for i in op["outputs"]}
    inputs = {d["index"] for d in interpreter.get_input_details()}
    constants = {i for op in ops for i in op["inputs"] if i >= 0 and i not in produced and i not in inputs}
    tensors = {details[i]["name"]: _dequantize(np.array(interpreter.get_tensor(i)),
                                               details[i]["quantization_parameters"]) for i in sorted(constants)}
    origin = {op["outputs"][0]: op["inputs"][0] for op in ops if op["op_name"] == "DEQUANTIZE"}
    bias_of = {}
    for op in ops:
        if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D") and len(op["inputs"]) > 2 and op["inputs"][2] >= 0:
            weights, bias = (details[origin.get(i, i)]["name"] for i in op["inputs"][1:3])
            bias_of[weights] = bias
    return TensorSource(tensors, bias_of, label=pathlib.Path(path).name)


def _conv_kernel(value: np.ndarray) -> np.ndarray:
    """TFLite ``(out, h, w, in)`` -> Keras ``(h, w, in, out)``."""
    return np.ascontiguousarray(value.transpose(1, 2, 3, 0))


def _assign(layer, arrays: list, names: str) -> None:
    if any(a is None for a in arrays):
        return  # reported by TensorSource.check
    expected = [tuple(w.shape) for w in layer.get_weights()]
    got = [tuple(a.shape) for a in arrays]
    if expected != got:
        raise ConversionError(f"{names}: shapes {got} do not fit Keras layer {layer.name} {expected}")
    layer.set_weights([a.astype(np.float32) for a in arrays])


def _check_constant(source: TensorSource, name: str, expected, what: str) -> None:
    value = source.take(name)
    if value is not None and not np.array_equal(np.asarray(value).reshape(-1), np.asarray(expected).reshape(-1)):
        raise ConversionError(f"{source.label}: {name} is {np.asarray(value).tolist()}, expected {expected} ({what})")


def _residual_blocks(source: TensorSource) -> int:
    numbers = {int(m.group(1)) for name in source.tensors
               for m in [re.match(r"transformer/residual/residual(\d+)/", name)] if m}
    return max(numbers) if numbers else 0


def convert_transfer(source: TensorSource, content_size: int | None = None):
    """A :class:`~tfstyle.models.StyleTransferNet` with the weights of Magenta's transfer file.

    ``content_size``: the file's fixed content side (its resize sizes are checked against it).
    """
    from tfstyle.models.ghiasi import MAGENTA_TRANSFER, StyleTransferNet

    epsilons = {name: value for name, value in source.tensors.items() if name.endswith("StyleNorm/batchnorm/add/y")}
    values = {float(v) for v in epsilons.values()}
    if len(values) > 1:
        raise ConversionError(f"{source.label}: the norms use different epsilons {sorted(values)}")
    epsilon = values.pop() if values else MAGENTA_TRANSFER["epsilon"]
    # The file stores Magenta's 1e-5 as float16 (1.0014e-05): keep the trained value.
    epsilon = 1e-5 if np.float16(1e-5) == np.float16(epsilon) else epsilon
    config = {**MAGENTA_TRANSFER, "residual_blocks": _residual_blocks(source) or MAGENTA_TRANSFER["residual_blocks"],
              "epsilon": epsilon}
    net = StyleTransferNet(**config, name="magenta_transfer")
    for name in epsilons:
        source.take(name)

    def conv(layer, prefix):
        weights = source.take(f"{prefix}/weights")
        bias = source.bias(f"{prefix}/weights", f"{prefix}/Conv2D_bias")
        _assign(layer.conv, [None if weights is None else _conv_kernel(weights), bias], prefix)

    for i, layer in enumerate(net.encoder):
        conv(layer, f"transformer/contract/conv{i + 1}")
    norm_scopes = []
    for k, (conv_a, conv_b) in enumerate(net.res_convs):
        for j, layer in enumerate((conv_a, conv_b)):
            scope = f"transformer/residual/residual{k + 1}/conv{j + 1}"
            conv(layer, scope)
            norm_scopes.append(scope)
    for i, layer in enumerate([*net.decoder, net.output_conv]):
        scope = f"transformer/expand/conv{i + 1}/conv"
        conv(layer, scope)
        norm_scopes.append(scope)
    if len(norm_scopes) != len(net.norms):
        raise ConversionError(f"{len(norm_scopes)} normalized convs in the file, {len(net.norms)} in the network")

    # Conditional instance norm: gamma (scale) = StyleNorm/Conv_1, beta (shift) = StyleNorm/Conv.
    kernel = np.zeros((net.style_dim, net.parameter_count), np.float32)
    bias = np.zeros((net.parameter_count,), np.float32)
    start = 0
    for scope, channels, norm in zip(norm_scopes, net.norm_channels, net.norms):
        for offset, part in ((0, "Conv_1"), (channels, "Conv")):
            prefix = f"style_params/{scope}/StyleNorm/{part}"
            w = source.take(f"{prefix}/weights")
            b = source.bias(f"{prefix}/weights", f"{prefix}/Conv2D_bias")
            if w is not None and b is not None:
                if w.shape != (channels, 1, 1, net.style_dim) or b.shape != (channels,):
                    raise ConversionError(f"{prefix}: shapes {w.shape}, {b.shape}, expected "
                                          f"({channels}, 1, 1, {net.style_dim}), ({channels},)")
                kernel[:, start + offset:start + offset + channels] = w[:, 0, 0, :].T
                bias[start + offset:start + offset + channels] = b
        norm.set_weights([np.ones((channels,), np.float32), np.zeros((channels,), np.float32)])
        for stat in ("mean", "variance"):
            _check_constant(source, f"{scope}/StyleNorm/moments/{stat}/reduction_indices", [1, 2], "norm over H, W")
        start += 2 * channels
    net.style_params.set_weights([kernel, bias])

    # Reflection paddings of kernel_size // 2 and 2x nearest resizes, as the Keras layers do.
    def pads(p):
        return [0, 0, p, p, p, p, 0, 0]

    for i, layer in enumerate(net.encoder):
        _check_constant(source, "transformer/contract/MirrorPad" + ("" if i == 0 else f"_{i}") + "/paddings",
                        pads(layer.kernel_size // 2), "reflection padding")
    for k, (conv_a, conv_b) in enumerate(net.res_convs):
        for j, layer in enumerate((conv_a, conv_b)):
            _check_constant(source, f"transformer/residual/residual{k + 1}/MirrorPad" + ("" if j == 0 else "_1")
                            + "/paddings", pads(layer.kernel_size // 2), "reflection padding")
    for i, layer in enumerate([*net.decoder, net.output_conv]):
        _check_constant(source, f"transformer/expand/conv{i + 1}/MirrorPad/paddings", pads(layer.kernel_size // 2),
                        "reflection padding")
        name = f"transformer/expand/conv{i + 1}/ResizeNearestNeighbor/size"
        if content_size is None:
            source.take(name)
        else:
            side = content_size // 2 if i == 0 else content_size  # conv3's resize keeps the size (stride 1)
            _check_constant(source, name, [side, side], "nearest resize")
    source.check()
    return net


def convert_predictor(source: TensorSource, output_range: tuple[float, float] | None = None):
    """A :class:`~tfstyle.models.MobileNetStylePredictor` with the weights of Magenta's predictor file.

    ``output_range``: where the file's int8 output saturates (:func:`output_range`), or ``None``.
    """
    from tfstyle.models.mobilenet_predictor import MobileNetStylePredictor, block_names

    predictor = MobileNetStylePredictor(output_range=output_range, name="magenta_predictor")

    def conv(layer, prefix, weights_name="weights", bias_name="Conv2D_bias", depthwise=False):
        weights = source.take(f"{prefix}/{weights_name}")
        bias = source.bias(f"{prefix}/{weights_name}", f"{prefix}/{bias_name}")
        if weights is not None:
            # Depthwise: TFLite (1, h, w, channels) -> Keras (h, w, channels, 1).
            weights = weights[0][..., None] if depthwise else _conv_kernel(weights)
        _assign(layer, [weights, bias], prefix)

    conv(predictor.stem, "MobilenetV2/Conv")
    for (name, *_), (expand, depthwise, project, _) in zip(block_names(), predictor.blocks):
        if expand is not None:
            conv(expand, f"MobilenetV2/{name}/expand")
        conv(depthwise, f"MobilenetV2/{name}/depthwise", "depthwise_weights", "depthwise_bias", depthwise=True)
        conv(project, f"MobilenetV2/{name}/project")
    conv(predictor.head, "MobilenetV2/Conv_1")
    weights = source.take("mobilenet_conv/Conv/weights")
    bias = source.bias("mobilenet_conv/Conv/weights", "mobilenet_conv/Conv/Conv2D_bias")
    _assign(predictor.bottleneck, [None if weights is None else weights[:, 0, 0, :].T, bias], "mobilenet_conv/Conv")
    _check_constant(source, "bottleneck/Mean/reduction_indices", [1, 2], "mean over H, W")
    source.check()
    return predictor


def output_range(path: str | os.PathLike) -> tuple[float, float] | None:
    """The range a quantized model's output can take before it is dequantized (``None`` if float).

    Magenta's predictor ends in ``mobilenet_conv/Conv/BiasAdd_int8`` (int8, one scale and zero
    point) -> DEQUANTIZE: its style vectors are clipped to ``[(-128 - z) s, (127 - z) s]``.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=os.fspath(path))
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    output = interpreter.get_output_details()[0]["index"]
    for op in interpreter._get_ops_details():
        if op["op_name"] == "DEQUANTIZE" and op["outputs"][0] == output:
            quantized = details[op["inputs"][0]]
            scales, zeros = quantized["quantization_parameters"]["scales"], quantized["quantization_parameters"][
                "zero_points"]
            info = np.iinfo(quantized["dtype"])
            if len(scales) == 1:
                return float((info.min - zeros[0]) * scales[0]), float((info.max - zeros[0]) * scales[0])
    return None


def convert(predictor_path: str | os.PathLike, transfer_path: str | os.PathLike, saturate: bool = True):
    """The :class:`~tfstyle.models.ArbitraryStyleNet` of Magenta's two TFLite files.

    ``saturate``: clip the style vectors where the int8 predictor's output saturates (as the file does).
    """
    from ai_edge_litert.interpreter import Interpreter

    from tfstyle.models import ArbitraryStyleNet

    predictor_in = Interpreter(model_path=os.fspath(predictor_path)).get_input_details()[0]["shape"]
    content_in = next(d["shape"] for d in Interpreter(model_path=os.fspath(transfer_path)).get_input_details()
                      if d["shape"][-1] == 3)
    predictor = convert_predictor(read_tflite(predictor_path), output_range(predictor_path) if saturate else None)
    transfer = convert_transfer(read_tflite(transfer_path), content_size=int(content_in[1]))
    return ArbitraryStyleNet(predictor, transfer, style_size=int(predictor_in[1]), name=NAME)


def _holdout(kind: str) -> list[pathlib.Path]:
    folder = ROOT.parent / "shared" / "data" / "holdout" / kind
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")) if folder.is_dir() else []


def parity(net, predictor_path, transfer_path, photos: int = 2, paintings: int = 4) -> dict:
    """Quick parity with the TFLite files on the first holdout images (recorded in the JSON)."""
    from tfstyle.image.io import cover_crop, load_image
    from tfstyle.methods.magenta import MagentaTFLite
    from tfstyle.perceptual.metrics import psnr

    magenta = MagentaTFLite(predictor_path, transfer_path)
    styles = _holdout("style")[:paintings]
    cosines, psnrs = [], []
    for path in styles:
        image = cover_crop(load_image(path), (net.style_size, net.style_size))
        ours = np.asarray(net.predict_style(image[None].astype(np.float32)))[0]
        theirs = magenta.style_vector(path)
        cosines.append(float(ours @ theirs / (np.linalg.norm(ours) * np.linalg.norm(theirs))))
    for i, path in enumerate(_holdout("content")[:photos]):
        vector = magenta.style_vector(styles[i % len(styles)])
        content = cover_crop(load_image(path), magenta.content_size).astype(np.float32)
        ours = np.asarray(net.transfer((content[None], vector[None])))[0]
        psnrs.append(psnr(np.clip(ours, 0, 255), magenta.stylize(content, vector).astype(np.float32)))
    return {"predictor_cosine_min": round(min(cosines), 4), "paintings": len(cosines),
            "transfer_psnr_db_min": round(min(psnrs), 2), "photos": len(psnrs),
            "on": "first holdout photos/paintings of ../shared/data/holdout, same bottleneck, uint8 TFLite output"}


def registry_record(size_bytes: int, quality: dict | None = None) -> dict:
    """The preset's entry in the registry (``presets.json``)."""
    return {
        "kind": "arbitrary",
        "class": "ArbitraryStyleNet",
        "title": "Magenta's arbitrary stylization network (Ghiasi et al. 2017): MobileNetV2 predictor, "
                 "width-0.25 transfer net, converted from its TFLite release",
        "predictor_class": "MobileNetStylePredictor",
        "transfer_class": "StyleTransferNet",
        "file": f"{NAME}.keras",
        "bytes": size_bytes,
        "style_size": 256,
        "source": SOURCE,
        "licence": "Apache-2.0 (MAGENTA_LICENSE.md)",
        "licence_file": "MAGENTA_LICENSE.md",
        "credit": CREDIT,
        "recipe": {"converted_by": "tools/convert_magenta.py", "from": ["predict_int8_256.tflite",
                                                                          "transfer_f16_384.tflite"]},
        "quality": quality or {},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--predictor", default=str(SHARED_MAGENTA / "predict_int8_256.tflite"))
    parser.add_argument("--transfer", default=str(SHARED_MAGENTA / "transfer_f16_384.tflite"))
    parser.add_argument("--out", default=str(ROOT / "tfstyle" / "weights"))
    parser.add_argument("--no-parity", action="store_true", help="skip the quick parity check on holdout images")
    parser.add_argument("--no-saturate", action="store_true",
                        help="do not clip the style vectors to the int8 predictor's output range")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        net = convert(args.predictor, args.transfer, saturate=not args.no_saturate)
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from tfstyle.atomic import save_model
    from tfstyle.weights.registry import read_entry, write_entry

    path = save_model(net, out / f"{NAME}.keras")
    quality = dict(read_entry(out, NAME).get("quality", {}))  # keeps benchmark results of earlier runs
    if not args.no_parity and _holdout("content") and _holdout("style"):
        quality["conversion_check"] = parity(net, args.predictor, args.transfer)
    table = write_entry(out, NAME, registry_record(path.stat().st_size, quality))
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its entry in {table}")
    if "conversion_check" in quality:
        print(json.dumps(quality["conversion_check"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
