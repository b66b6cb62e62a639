"""Is a ``.tflite`` file full-integer? Which accelerator does it suit?

NPU and Edge-TPU-class compilers take a graph only when every tensor between its input and its
output is integer: no float op and no ``DEQUANTIZE`` inside. :func:`integer_report` reads the
flatbuffer itself (every subgraph; a delegate's view would hide the ops) and lists what breaks
that: ops with a float tensor that is not the graph's own input or output, the ``DEQUANTIZE`` ops
whose result is not a graph output, and the float tensors between. A float input quantized at once
(``QUANTIZE``) and an output dequantized last are the graph's edges, allowed (float I/O).

:func:`suits` names the accelerators a file suits from that report and its format: a full-integer
file the CPU (XNNPACK's int8 kernels) and NPUs, a float16 file the GPU, a mixed or
dynamic-range file (int8 convolutions, float normalization) the CPU only, a float32 one the CPU and GPU.

Example:
    >>> import tempfile, os, numpy as np
    >>> from tfstyle.export import export_tflite
    >>> from tfstyle.models import JohnsonNet
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "net.tflite")
    >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), path, size=32)
    >>> report = integer_report(path)
    >>> report["full_integer"], "CONV_2D" in report["float_ops"]
    (False, True)
"""
from __future__ import annotations

import os

from tfstyle.errors import OptionError, TfstyleError, first_line

__all__ = ["integer_report", "size_breakdown", "suits"]

_FLOAT_TYPES = ("FLOAT32", "FLOAT16", "FLOAT64", "BFLOAT16", "COMPLEX64", "COMPLEX128")


def integer_report(model: str | os.PathLike | bytes) -> dict:
    """What keeps a ``.tflite`` (path or bytes) from being full-integer between its input and output.

    Returns:
        ``full_integer`` (bool: no float op, no inner ``DEQUANTIZE``, no float tensor between the
        graph's inputs and outputs), ``float_ops`` (sorted op names touching an inner float tensor),
        ``dequantize_ops`` (count of inner ``DEQUANTIZE``), ``float_tensors`` (count of inner float
        tensors, constants included) and ``float_tensor_names`` (the first 20 of them), and
        ``io_dtypes`` (``{tensor name: dtype}`` of the graph's inputs and outputs).

    Example:
        >>> integer_report(b"not a model")
        Traceback (most recent call last):
        tfstyle.errors.TfstyleError: not a readable TFLite flatbuffer (...)
    """
    from tensorflow.lite.python import schema_py_generated as schema

    content = _read(model)
    types = {value: name for name, value in vars(schema.TensorType).items() if not name.startswith("_")}
    names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    float_ops, float_tensors, io_dtypes = set(), [], {}
    dequantize = 0
    try:
        flat = schema.Model.GetRootAsModel(content, 0)
        codes = []
        for i in range(flat.OperatorCodesLength()):
            code = flat.OperatorCodes(i)
            builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
            codes.append(names.get(builtin, f"BUILTIN_{builtin}"))
        for s in range(flat.SubgraphsLength()):
            graph = flat.Subgraphs(s)
            edges = {int(graph.Inputs(i)) for i in range(graph.InputsLength())} | \
                {int(graph.Outputs(i)) for i in range(graph.OutputsLength())}
            outputs = {int(graph.Outputs(i)) for i in range(graph.OutputsLength())}
            for index in sorted(edges):
                tensor = graph.Tensors(index)
                io_dtypes[tensor.Name().decode()] = types.get(tensor.Type(), "?").lower()
            inner_float = set()
            for o in range(graph.OperatorsLength()):
                op = graph.Operators(o)
                name = codes[op.OpcodeIndex()]
                ins = [int(op.Inputs(i)) for i in range(op.InputsLength()) if op.Inputs(i) >= 0]
                outs = [int(op.Outputs(i)) for i in range(op.OutputsLength()) if op.Outputs(i) >= 0]
                if name == "DEQUANTIZE" and not set(outs) <= outputs:
                    dequantize += 1
                floats = [t for t in ins + outs
                          if t not in edges and types.get(graph.Tensors(t).Type()) in _FLOAT_TYPES]
                if floats:
                    float_ops.add(name)
                    inner_float.update(floats)
            float_tensors.extend(graph.Tensors(t).Name().decode() for t in sorted(inner_float))
    except Exception as exc:
        raise TfstyleError(f"not a readable TFLite flatbuffer ({first_line(exc, prefer=('error',))})") from exc
    return {"full_integer": not float_ops and not dequantize and not float_tensors,
            "float_ops": sorted(float_ops), "dequantize_ops": dequantize, "float_tensors": len(float_tensors),
            "float_tensor_names": float_tensors[:20], "io_dtypes": io_dtypes}


def suits(format: str, report: dict) -> list[str]:
    """The accelerators a file of ``format`` with :func:`integer_report` ``report`` suits.

    Example:
        >>> suits("int8", {"full_integer": True}), suits("float16", {"full_integer": False})
        (['CPU', 'NPU'], ['GPU', 'CPU'])
        >>> suits("mixed", {"full_integer": False})
        ['CPU']
    """
    if report["full_integer"]:
        return ["CPU", "NPU"]  # XNNPACK's int8 kernels; NPU / Edge-TPU-class compilers need full integer
    if format == "float16":
        return ["GPU", "CPU"]  # the GPU delegate computes in half precision; the CPU upcasts the weights
    if format == "float32":
        return ["CPU", "GPU"]
    return ["CPU"]  # int8 convolutions with float normalization (or a float op left in an int8 file)


def metadata(content: bytes, format: str) -> dict:
    """The metadata entries every export records: ``full_integer``, ``integer_report`` and ``suits``."""
    report = integer_report(content)
    return {"full_integer": report["full_integer"], "integer_report": report, "suits": suits(format, report)}


def size_breakdown(model: str | os.PathLike | bytes) -> dict[str, int]:
    """Bytes of a ``.tflite`` by what they hold: constant tensors per dtype, and ``other`` (graph, names, scales).

    Why an INT8 file is larger than a quarter of its float32 twin: its int8 weights are a quarter,
    but int32 biases, per-channel scales and zero points, tensor names and the graph do not shrink.

    Example:
        >>> import tempfile, os
        >>> from tfstyle.export import export_tflite
        >>> from tfstyle.models import JohnsonNet
        >>> path = os.path.join(tempfile.mkdtemp(), "net.tflite")
        >>> _ = export_tflite(JohnsonNet(width=0.25, residual_blocks=1), path, size=32)
        >>> parts = size_breakdown(path)
        >>> parts["float32"] > 0 and sum(parts.values()) == os.path.getsize(path)
        True
    """
    from tensorflow.lite.python import schema_py_generated as schema

    content = _read(model)
    types = {value: name for name, value in vars(schema.TensorType).items() if not name.startswith("_")}
    flat = schema.Model.GetRootAsModel(content, 0)
    seen, parts = set(), {}
    for s in range(flat.SubgraphsLength()):
        graph = flat.Subgraphs(s)
        for t in range(graph.TensorsLength()):
            tensor = graph.Tensors(t)
            index = int(tensor.Buffer())
            if index in seen or index >= flat.BuffersLength():
                continue
            seen.add(index)
            buffer = flat.Buffers(index)
            size = int(buffer.DataLength()) or int(buffer.Size())  # inline data, or data stored after the flatbuffer
            if size:
                dtype = types.get(tensor.Type(), "?").lower()
                parts[dtype] = parts.get(dtype, 0) + size
    parts["other"] = len(content) - sum(parts.values())
    return parts


def _read(model) -> bytes:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    if not isinstance(model, (str, os.PathLike)):
        raise OptionError(f"model must be a .tflite path or its bytes, got {type(model).__name__}")
    try:
        with open(model, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise OptionError(f"cannot read TFLite model {os.fspath(model)}: {exc}") from exc
