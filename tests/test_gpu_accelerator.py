"""LiteRT's GPU accelerator (WebGPU over Vulkan): an exported network runs fully on it and matches the CPU.

Without a Vulkan device (CI installs Mesa's software driver, lavapipe, from bookworm-backports:
see .ci/run) the accelerator test skips with the reason; the no-device path is tested everywhere.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from tfstyle.export import export_tflite, gpu_check
from tfstyle.export.gpu_check import HIDE_ENV, check_on_gpu, gpu_unavailable_reason, summary

from .conftest import smooth_image

SIZE = 64
MIN_PSNR = 40.0  # the GPU computes in float16: measured 49-51 dB against the CPU on lavapipe (Mesa 25)


@pytest.fixture(autouse=True)
def accelerator_on(monkeypatch):
    """The root conftest hides the accelerator from the rest of the suite (it slows every export)."""
    monkeypatch.delenv(HIDE_ENV, raising=False)


@pytest.fixture(scope="module")
def net():
    import keras

    from tfstyle.models import JohnsonNet

    keras.utils.set_random_seed(3)
    model = JohnsonNet(width=0.25, residual_blocks=1)
    model(np.zeros((1, SIZE, SIZE, 3), np.float32))
    return model


def _device_or_skip(path) -> dict:
    """The accelerator's result on ``path`` on a photo-like image, or a skip saying why there is none."""
    reason = gpu_unavailable_reason()
    if reason is not None:
        pytest.skip(f"no Vulkan device for LiteRT's GPU accelerator: {reason}")
    image = smooth_image(np.random.default_rng(5), SIZE, SIZE)
    result = check_on_gpu(path, {"content": image[None]}, peak=255.0)
    if not result["available"]:
        pytest.skip(f"no Vulkan device for LiteRT's GPU accelerator: {result['reason']}")
    return result


def test_exported_network_runs_fully_on_the_gpu_accelerator(net, tmp_path):
    path = tmp_path / "johnson.tflite"
    meta = export_tflite(net, path, size=SIZE)
    result = _device_or_skip(path)
    assert "error" not in result, result
    assert result["fully_accelerated"] is True and result["fallback_ops"] == [], result
    assert result["psnr_vs_cpu"] >= MIN_PSNR and result["nonfinite_vs_cpu"] == 0, result
    assert result["adapter"], result
    # The export recorded the same verdict (on random inputs) and says which check it used.
    assert meta["gpu_check"] == "litert GPU accelerator"
    recorded = meta["gpu_accelerator"]
    assert recorded["available"] and recorded["fully_accelerated"] and recorded["psnr_vs_cpu"] >= MIN_PSNR
    assert summary(result).startswith("yes, ")


def test_no_device_hidden_by_env(net, tmp_path, monkeypatch):
    monkeypatch.setenv(HIDE_ENV, "1")
    path = tmp_path / "hidden.tflite"
    meta = export_tflite(net, path, size=SIZE)
    assert meta["gpu_check"] == "op allow-list"
    assert meta["gpu_accelerator"] == {"available": False, "reason": f"hidden by {HIDE_ENV}"}
    assert meta["gpu_compatible"] is True  # the allow-list still judged the ops
    start = time.perf_counter()
    result = check_on_gpu(path)
    assert time.perf_counter() - start < 0.5  # no probing without a device
    assert result == {"check": gpu_check.CHECK_NAME, "available": False, "reason": f"hidden by {HIDE_ENV}"}
    assert summary(result) == "-"


def test_no_adapter_is_reported_and_cached(net, tmp_path, monkeypatch):
    """A Vulkan loader that finds no driver gives ``available: False`` (never an exception), once per process."""
    monkeypatch.setattr(gpu_check, "_unavailable", None)
    monkeypatch.setenv("VK_ICD_FILENAMES", str(tmp_path / "no_such_icd.json"))
    monkeypatch.setenv("VK_DRIVER_FILES", str(tmp_path / "no_such_icd.json"))
    path = tmp_path / "net.tflite"
    export_tflite(net, path, size=SIZE)
    result = check_on_gpu(path)
    assert result["available"] is False and result["reason"], result
    assert gpu_unavailable_reason() is not None  # the verdict is cached: the next file does not probe again


def test_log_parsing():
    log = ("I0000 environment.cc:532] Selected adapter: llvmpipe (LLVM 15.0.6, 256 bits), arch=software, vendor=mesa, "
           "backend=Vulkan, adapterType=CPU / Software\n"
           "ERROR: Following operations are not supported by GPU delegate:\n"
           "ARG_MAX: Tensor type(INT64) is not supported. ArgMax\n"
           "CAST: Tensor type(INT64) is not supported. ArgMax\n"
           "7 operations will run on the GPU, and the remaining 5 operations will run on the CPU.\n")
    parsed = gpu_check._parse_log(log)
    assert parsed["adapter"] == "llvmpipe (LLVM 15.0.6, 256 bits)" and parsed["software"] is True
    assert parsed["fallback_ops"] == ["ARG_MAX", "CAST"] and len(parsed["fallback_details"]) == 2
    assert (parsed["ops_on_gpu"], parsed["ops_on_cpu"]) == (7, 5)
    result = {"available": True, "fully_accelerated": False, "psnr_vs_cpu": 48.04, **parsed}
    assert summary(result) == "no (falls back: ARG_MAX, CAST), 48.0 dB"


def test_report_table_columns():
    """export/pipeline.py's REPORT.md table: the allow-list column and the accelerator's verdict side by side."""
    import importlib.util
    import pathlib

    spec = importlib.util.spec_from_file_location("pipeline", pathlib.Path(__file__).parents[1] / "export" / "pipeline.py")
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)
    ran = {"available": True, "adapter": "llvmpipe", "software": True, "fully_accelerated": True, "fallback_ops": [],
           "psnr_vs_cpu": 61.23}
    partial = {**ran, "fully_accelerated": False, "fallback_ops": ["ARG_MAX"]}
    rows = [{"model": "wave", "format": "float16", "size_bytes": 2048, "gpu": True, "gpu_accelerator": ran},
            {"model": "wave", "format": "int8", "size_bytes": 1024, "gpu": True, "gpu_accelerator": partial},
            {"model": "wave", "format": "dynamic", "size_bytes": 1024, "gpu": False,
             "gpu_accelerator": {"available": False, "reason": "no Vulkan loader"}}]
    lines = pipeline.table(rows).splitlines()
    assert lines[0].endswith("| GPU delegate ops (allow-list) | GPU accelerator: fully accelerated, PSNR vs CPU |")
    assert lines[2].endswith("| all supported | yes, 61.2 dB |")
    assert lines[3].endswith("| all supported | no (falls back: ARG_MAX), 61.2 dB |")
    assert lines[4].endswith("| unsupported ops | - |")
    assert "software Vulkan driver on the CPU" in pipeline.accelerator_line(rows)
    assert "no Vulkan device (no Vulkan loader)" in pipeline.accelerator_line(rows[2:])
