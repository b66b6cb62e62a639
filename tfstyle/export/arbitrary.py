"""Export an arbitrary-style network as two TFLite files: the style predictor and the transfer net.

As Magenta publishes its models: the predictor runs once per style (or once per content image,
for strength), the transfer network once per frame, and an app blends style vectors in between
(strength, several styles) without touching either model.

* ``<prefix>_predictor_<format>_<S>.tflite``: input ``style`` ``[1, S, S, 3]`` in [0, 255] (S = 256 by
  default, as Magenta's) -> output ``style_vector`` ``[1, 100]``. The model first resizes the
  image (bilinear) to the square size the predictor was trained on (``net.style_size``), so
  the vectors match :meth:`tfstyle.models.ghiasi.ArbitraryStyleNet.style_vector`.
* ``<prefix>_transfer_<format>_<content size>.tflite``: inputs ``content`` ``[1, H, W, 3]`` in
  [0, 255] and ``style_vector`` ``[1, 100]`` -> output ``stylized`` ``[1, H, W, 3]``.

Each file gets a metadata JSON beside it with ``inputs``/``outputs`` lists (see
:func:`tfstyle.export.tflite.write_signature_model`). In ``int8`` every input and output is
``uint8`` with the scale and zero point in the metadata (TFLite sets all of a model's input
types at once); images keep scale 1, zero point 0.

Example:
    >>> import tempfile, numpy as np
    >>> from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
    >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25, residual_blocks=1),
    ...                         style_size=64)
    >>> folder = tempfile.mkdtemp()
    >>> metas = export_arbitrary(net, folder, content_size=32, style_input_size=128)
    >>> sorted(metas), [t["name"] for t in metas["transfer"]["inputs"]]
    (['predictor', 'transfer'], ['content', 'style_vector'])
"""
from __future__ import annotations

import os
import pathlib

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.export.tflite import (
    FORMATS,
    calibration_images,
    convert_signature,
    parse_size,
    pin_pixels,
    write_signature_model,
)
from tfstyle.runtime.protocols import PredictorTransferNet

STYLE_INPUT, VECTOR, CONTENT_INPUT, OUTPUT = "style", "style_vector", "content", "stylized"


def arbitrary_file_names(prefix: str, format: str, style_size: int, content_size: tuple[int, int]) -> dict:
    """``{"predictor": name, "transfer": name}`` of the files :func:`export_arbitrary` writes."""
    height, width = content_size
    size = f"{height}" if height == width else f"{height}x{width}"
    return {"predictor": f"{prefix}_predictor_{format}_{style_size}.tflite",
            "transfer": f"{prefix}_transfer_{format}_{size}.tflite"}


def export_arbitrary(
    net,
    folder: str | os.PathLike,
    *,
    format: str = "float32",
    content_size: int | tuple[int, int] = 384,
    representative_images=None,
    representative_styles=None,
    num_calibration: int = 32,
    prefix: str = "arbitrary",
    style_input_size: int = 256,
    require_gpu: bool = False,
    equalize: bool = True,
    integer_graph: bool = False,
    qat_steps: int = 0,
    qat_images=None,
    qat_styles=None,
    style_pool: int = 0,
) -> dict:
    """Write ``net``'s predictor and transfer network as ``.tflite`` files in ``folder``; return their metadata.

    Args:
        net: an :class:`~tfstyle.models.ghiasi.ArbitraryStyleNet` (a compact predictor keeps the
            predictor file small; a VGG19 one exports too, at ~40 MB in float32).
        folder: an existing folder; file names from :func:`arbitrary_file_names`.
        format: one of ``float32``, ``float16``, ``dynamic``, ``int8``.
        content_size: fixed content size ``(height, width)`` or one int.
        representative_images, representative_styles: ``int8`` calibration photos and style images
            (folders or lists, as in :func:`~tfstyle.export.export_tflite`); the predictor is calibrated
            on both (strength runs it on photos), the transfer net on photos with the styles' vectors.
        num_calibration: at most this many of each.
        prefix: file-name prefix.
        style_input_size: side of the predictor file's square input.
        require_gpu: refuse models with ops the GPU delegate cannot run.
        equalize: ``int8``: rescale the transfer net's pre-norm channels first (same function).
        integer_graph: ``int8``: convert the transfer net through
            :func:`tfstyle.export.equalize.integer_friendly_forward` (same function: each conditional
            norm one multiply-add, the style projection split per layer), after checking it reproduces
            the network on a calibration photo; a network it does not reproduce converts as it is.
            The transfer file's metadata records ``integer_graph`` (whether it was used). Off by
            default: it is not reliably closer to float (tfstyle_mobile_v3, int8 vs float PSNR: 384 px,
            validation pairs 31.5 -> 34.2 dB mean; holdout 28.0 -> 28.3 mean but worst 20.0 -> 17.3;
            128 px, 12 calibration photos 25.8 -> 23.1 mean; ``benchmarks/results/int8_fidelity.md``).
        qat_steps: ``int8``: 0 converts the transfer net after calibration only (post-training
            quantization). N > 0 also fine-tunes a copy of it for N steps with fake INT8
            (:func:`tfstyle.export.fakequant.finetune_quantized`, the integer-friendly graph) to
            reproduce the float net's outputs, converts that copy, measures both files against the
            float net on calibration pairs and ships the one with the better worst pair; the
            transfer metadata's ``qat`` entry records both measurements and which was shipped.
            Measured on ``tfstyle_mobile_v3`` (256 px validation pairs, 120 steps): no gain over
            post-training quantization (the fake error 35.0 -> 34.2 MSE; PTQ shipped), so off by
            default; ``benchmarks/results/int8_arbitrary_qat.md``.
        qat_images, qat_styles: photos and paintings for that fine-tuning (default: the
            representative ones); 64 photos and 128 paintings at most.
        style_pool: ``int8``: with N > ``num_calibration``, compute the style vectors of up to N
            paintings from ``representative_styles`` and calibrate the transfer net on the
            ``num_calibration`` of them that span the pool's range of norm parameters
            (:func:`tfstyle.export.fakequant.covering_vectors`) instead of the first ones. With
            ``integer_graph`` and 256 paintings it lifted the worst validation pair 18.0 -> 21.6 dB
            (a painting with a long style vector) and cost typical paintings 0.8-4 dB.

    Returns:
        ``{"predictor": metadata, "transfer": metadata}``; each also records its ``file``. A network
        without a predictor (MicroAST, AdaIN: the style image goes straight into the network) is
        written as one file by :func:`export_image_pair`: ``{"stylize": metadata}``.
    """
    folder = _check_folder(folder, format)
    if not isinstance(net, PredictorTransferNet):
        return {"stylize": export_image_pair(net, folder, format=format, content_size=content_size,
                                             style_size=style_input_size, representative_images=representative_images,
                                             representative_styles=representative_styles,
                                             num_calibration=num_calibration, prefix=prefix, require_gpu=require_gpu)}
    for option, value in (("qat_steps", qat_steps), ("style_pool", style_pool)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise OptionError(f"{option} must be a non-negative integer, got {value!r}")
    if qat_steps and format != "int8":
        raise OptionError(f"qat_steps (quantization-aware training) needs format 'int8', got {format!r}")
    height, width = parse_size(content_size)
    side, dim = int(style_input_size), net.style_dim
    names = arbitrary_file_names(prefix, format, side, (height, width))
    photos = styles = None
    if format == "int8":
        if representative_images is None or representative_styles is None:
            raise OptionError("format 'int8' needs representative_images (photos) and representative_styles")
        photos = calibration_images(representative_images, (height, width), num_calibration)
        styles = calibration_images(representative_styles, (side, side), max(num_calibration, int(style_pool)))

    predictor = net.predictor
    pin = format == "int8"

    def serve_predictor(style):
        import tensorflow as tf

        style = pin_pixels(style) if pin else style
        if side != net.style_size:
            style = tf.image.resize(style, (net.style_size, net.style_size), method="bilinear")
        return {VECTOR: predictor(style)}

    predictor_samples = None
    if pin:
        from tfstyle.image.io import cover_crop

        predictor_samples = [{STYLE_INPUT: s[None]} for s in styles[:num_calibration]] + \
            [{STYLE_INPUT: cover_crop(p, (side, side))[None]} for p in photos]
    predictor_bytes = convert_signature(predictor, serve_predictor, {STYLE_INPUT: (1, side, side, 3)}, format,
                                        predictor_samples)

    transfer = net.transfer
    transfer_samples = forward = qat = None
    if pin:
        vectors = _style_vectors(net, styles)
        if len(vectors) > num_calibration:
            from tfstyle.export.fakequant import covering_vectors

            vectors = covering_vectors(net.transfer, vectors, num_calibration)
        if equalize:
            from tfstyle.export.equalize import equalize_instance_norm

            transfer = equalize_instance_norm(transfer, photos)
        if integer_graph:
            from tfstyle.export.equalize import checked_integer_forward

            forward = checked_integer_forward(transfer, photos[0], vectors[0])
        transfer_samples = [{CONTENT_INPUT: photo[None], VECTOR: vectors[i % len(vectors)][None]}
                            for i, photo in enumerate(photos)]
    transfer_bytes = _convert_transfer(transfer, forward, (height, width), dim, format, transfer_samples)
    if pin and int(qat_steps) > 0:
        transfer, transfer_bytes, forward, qat = _quantization_aware(
            net, transfer, transfer_bytes, forward, photos, vectors, transfer_samples, int(qat_steps),
            qat_images if qat_images is not None else representative_images,
            qat_styles if qat_styles is not None else representative_styles, (height, width), side)

    # Both converted before either is written; a refused second file takes the first one with it.
    metas = {"predictor": write_signature_model(
        predictor_bytes, folder / names["predictor"], format=format, size=(side, side),
        shapes={STYLE_INPUT: [1, side, side, 3], VECTOR: [1, dim]}, ranges={STYLE_INPUT: [0, 255], VECTOR: None},
        model=predictor, require_gpu=require_gpu, extra={"role": "arbitrary_predictor", "file": names["predictor"]})}
    try:
        metas["transfer"] = write_signature_model(
            transfer_bytes, folder / names["transfer"], format=format, size=(height, width),
            shapes={CONTENT_INPUT: [1, height, width, 3], VECTOR: [1, dim], OUTPUT: [1, height, width, 3]},
            ranges={CONTENT_INPUT: [0, 255], VECTOR: None, OUTPUT: [0, 255]}, model=net.transfer,
            require_gpu=require_gpu, extra={"role": "arbitrary_transfer", "file": names["transfer"],
                                            **({"integer_graph": forward is not None} if pin else {}),
                                            **({"qat": qat} if qat is not None else {})})
    except BaseException:
        for name in (names["predictor"], names["predictor"] + ".json"):
            (folder / name).unlink(missing_ok=True)
        raise
    return metas


def _style_vectors(net, styles) -> np.ndarray:
    """The float predictor's vectors of style images (as the app gets them), ``(N, style_dim)``."""
    from tfstyle.image.io import resize_image

    return np.concatenate([np.asarray(net.predict_style(np.stack(
        [resize_image(s, size=(net.style_size, net.style_size)) for s in styles[i:i + 16]])), np.float32)
        for i in range(0, len(styles), 16)])


def _convert_transfer(transfer, forward, size: tuple[int, int], dim: int, format: str, samples) -> bytes:
    """The transfer net's TFLite bytes: its own graph, or ``forward(content, style_vector)`` when given."""
    height, width = size
    pin = format == "int8"

    def serve_transfer(content, style_vector):
        content = pin_pixels(content) if pin else content
        return {OUTPUT: transfer((content, style_vector)) if forward is None else forward(content, style_vector)}

    return convert_signature(transfer, serve_transfer, {CONTENT_INPUT: (1, height, width, 3), VECTOR: (1, dim)},
                             format, samples)


def transfer_fidelity(content: bytes, reference, pairs) -> dict:
    """PSNR (dB) of an ``int8`` transfer file's outputs against ``reference((photos, vectors))`` on ``pairs``.

    ``pairs`` is a list of ``(photo HxWx3, vector (style_dim,))``; returns ``{"pairs", "mean_psnr",
    "worst_psnr"}``.
    """
    import tempfile

    from tfstyle.perceptual.metrics import psnr
    from tfstyle.runtime.litert import run_signature

    values = []
    with tempfile.TemporaryDirectory(prefix="tfstyle-qat-") as scratch:
        path = pathlib.Path(scratch) / "transfer.tflite"
        path.write_bytes(content)
        for photo, vector in pairs:
            photo, vector = np.asarray(photo, np.float32)[None], np.asarray(vector, np.float32).reshape(1, -1)
            got = np.clip(run_signature(path, {CONTENT_INPUT: photo, VECTOR: vector})[OUTPUT][0], 0, 255)
            want = np.clip(np.asarray(reference((photo, vector)))[0], 0, 255)
            values.append(psnr(got, want))
    return {"pairs": len(values), "mean_psnr": round(float(np.mean(values)), 2),
            "worst_psnr": round(float(np.min(values)), 2)}


def _quantization_aware(net, transfer, ptq_bytes, ptq_forward, photos, vectors, samples, steps, train_images,
                        train_styles, size, side):
    """Fine-tune a copy of ``transfer`` with fake INT8, convert it; ``(transfer, bytes, forward, report)`` shipped."""
    from tfstyle.export.equalize import checked_integer_forward
    from tfstyle.export.fakequant import finetune_quantized
    from tfstyle.export.tflite import calibration_images

    train_photos = np.stack(calibration_images(train_images, size, 64)).astype(np.float32)
    train_vectors = _style_vectors(net, calibration_images(train_styles, (side, side), 128))
    copy = type(transfer).from_config(transfer.get_config())
    copy((photos[0][None, :16, :16], vectors[:1]))
    copy.set_weights(transfer.get_weights())
    cal_images = np.stack([sample[CONTENT_INPUT][0] for sample in samples])
    cal_vectors = np.stack([sample[VECTOR][0] for sample in samples])
    report = finetune_quantized(copy, train_photos, train_vectors, (cal_images, cal_vectors), steps=steps,
                                crop=min(256, *size))
    forward = checked_integer_forward(copy, photos[0], vectors[0], min_psnr=50.0)
    qat_bytes = _convert_transfer(copy, forward, size, net.style_dim, "int8", samples)
    # Judged on calibration pairs, including the vector farthest from the others (the hard case).
    far = int(np.argmax(np.linalg.norm(vectors - vectors.mean(0), axis=1)))
    pairs = [(photos[i], vectors[j]) for i in range(min(3, len(photos))) for j in sorted({0, far})]
    report["ptq"] = transfer_fidelity(ptq_bytes, transfer, pairs)
    report["qat"] = transfer_fidelity(qat_bytes, transfer, pairs)
    report["measured_on"] = "calibration photos x calibration style vectors, against the float transfer net"
    use_qat = report["qat"]["worst_psnr"] >= report["ptq"]["worst_psnr"]
    report["shipped"] = "qat" if use_qat else "ptq"
    return (copy, qat_bytes, forward, report) if use_qat else (transfer, ptq_bytes, ptq_forward, report)


def _check_folder(folder: str | os.PathLike, format: str) -> pathlib.Path:
    if format not in FORMATS:
        raise OptionError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise OptionError(f"output folder does not exist: {folder}")
    return folder


def export_image_pair(net, folder: str | os.PathLike, *, format: str = "float32",
                      content_size: int | tuple[int, int] = 384, style_size: int = 256, representative_images=None,
                      representative_styles=None, num_calibration: int = 32, prefix: str = "arbitrary",
                      require_gpu: bool = False) -> dict:
    """One ``.tflite`` file for a network called as ``net((content, style))`` (e.g. MicroAST); its metadata.

    Signature ``content`` ``[1, H, W, 3]`` and ``style`` ``[1, S, S, 3]`` in [0, 255] -> ``stylized``;
    the file is ``<prefix>_stylize_<format>_<H>[x<W>].tflite``. ``int8`` is calibrated on photo and
    style pairs (both needed), as :func:`export_arbitrary`.
    """
    folder = _check_folder(folder, format)
    height, width = parse_size(content_size)
    side = int(style_size)
    size = f"{height}" if height == width else f"{height}x{width}"
    name = f"{prefix}_stylize_{format}_{size}.tflite"
    pin, samples = format == "int8", None
    if pin:
        if representative_images is None or representative_styles is None:
            raise OptionError("format 'int8' needs representative_images (photos) and representative_styles")
        photos = calibration_images(representative_images, (height, width), num_calibration)
        styles = calibration_images(representative_styles, (side, side), num_calibration)
        samples = [{CONTENT_INPUT: p[None], STYLE_INPUT: styles[i % len(styles)][None]} for i, p in enumerate(photos)]

    def serve(content, style):
        return {OUTPUT: net((pin_pixels(content) if pin else content, pin_pixels(style) if pin else style))}

    content = convert_signature(net, serve, {CONTENT_INPUT: (1, height, width, 3), STYLE_INPUT: (1, side, side, 3)},
                                format, samples)
    return write_signature_model(
        content, folder / name, format=format, size=(height, width),
        shapes={CONTENT_INPUT: [1, height, width, 3], STYLE_INPUT: [1, side, side, 3], OUTPUT: [1, height, width, 3]},
        ranges={CONTENT_INPUT: [0, 255], STYLE_INPUT: [0, 255], OUTPUT: [0, 255]}, model=net,
        require_gpu=require_gpu, extra={"role": "arbitrary_stylize", "file": name})


def style_vectors(predictor: str | os.PathLike, images: dict[str, object], contract: dict) -> dict[str, list[float]]:
    """Run ``predictor`` on each named image (a path or an ``HxWx3`` array in [0, 255]); return name -> vector.

    ``contract`` is the Android app's model contract (``android_demo/app/src/main/assets/contract.json``):
    its ``arbitrary_predictor`` role names the signature and tensors, as the app reads them.
    """
    from tfstyle.image.io import cover_crop, load_image
    from tfstyle.runtime.litert import make_interpreter, run_signature

    role = contract["roles"]["arbitrary_predictor"]
    (input_spec,), (output_spec,) = role["inputs"], role["outputs"]
    length = int(contract["style_vector_length"])
    runner = make_interpreter(model_path=os.fspath(predictor)).get_signature_runner(role["signature"])
    height, width = (int(s) for s in runner.get_input_details()[input_spec["name"]]["shape"][1:3])
    vectors = {}
    for name, source in images.items():
        image = cover_crop(load_image(source), (height, width))
        # run_signature quantizes the input and dequantizes the output as the app's TensorCodec does.
        result = run_signature(predictor, {input_spec["name"]: image[None]}, num_threads=1)
        vector = result[output_spec["name"]].reshape(-1)
        if vector.size != length:
            raise ValueError(f"{predictor} gives {vector.size} values per style, the contract says {length}")
        if not np.isfinite(vector).all():
            raise ValueError(f"{predictor} gives non-finite values for {name}")
        vectors[name] = [float(f"{v:.7g}") for v in vector]
    return vectors
