"""export/pipeline.py end to end at a tiny size: files, choice of INT8, report.

QAT is left out here (``--qat-steps 0``): its own process costs about a minute, and
tests/test_export_tools.py runs it.
"""
import importlib.util
import pathlib

import pytest

from tfstyle.weights.registry import phone_preset, preset_names

from .conftest import SHARED

PIPELINE = pathlib.Path(__file__).parents[1] / "export" / "pipeline.py"


@pytest.mark.skipif(not (SHARED / "data" / "holdout" / "content").is_dir(), reason="needs ../shared/data")
def test_pipeline_builds_files_and_report(tmp_path):
    spec = importlib.util.spec_from_file_location("pipeline", PIPELINE)
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)
    style = preset_names("fast")[0]
    student = phone_preset()  # by default also the default arbitrary network; one is enough here
    report = tmp_path / "REPORT.md"
    assert pipeline.main(["--styles", style, "--formats", "float32,int8,mixed", "--size", "64", "--eval-images", "1",
                          "--eval-paintings", "1", "--runs", "1", "--threads", "1", "--no-op-profile", "--qat-steps", "0", "--arbitrary-qat-steps", "0", "--speed-rounds", "1",
                          "--out", str(tmp_path), "--report", str(report),
                          "--magenta", str(tmp_path / "no_magenta"), "--arbitrary", student]) == 0
    names = {p.name for p in tmp_path.glob("*.tflite")}
    assert {f"{style}_float32_64.tflite", f"{style}_int8_64.tflite", f"{style}_aeq_int8_64.tflite",
            f"{style}_mixed_64.tflite", f"{style}_release_int8_64.tflite",
            "arbitrary_predictor_int8_256.tflite", "arbitrary_transfer_int8_64.tflite",
            "arbitrary_predictor_mixed_256.tflite", "arbitrary_transfer_mixed_64.tflite",
            "arbitrary_transfer_release_int8_64.tflite"} <= names
    release = __import__("json").loads((tmp_path / f"{style}_release_int8_64.tflite.json").read_text())
    assert release["full_integer"] and release["suits"] == ["CPU", "NPU"]
    vectors = __import__("json").loads((tmp_path / "style_vectors.json").read_text())
    assert list(vectors) == [style] and len(vectors[style]) == 100
    text = report.read_text()
    assert "## Targets (issue #28), per release INT8 file" in text and f"| {style} | float32 |" in text
    assert f"- {style}: release INT8 = " in text and f"| {style} | mixed |" in text and "ISA: " in text
    targets = text.split("## Targets")[1].split("##")[0]
    assert f"| {style} | int8" in targets and f"| {student} transfer | int8" in targets  # one row per release file
    assert "405 ms" in text and "42 ms" in text  # the published reference for Magenta's files
    assert "Magenta's files were not found" in text
    assert f"| {student} transfer | int8 |" in text and f"| {student} predictor | int8 |" in text
    # The back-to-back timings of each release model's float32, INT8 and mixed files replace the run's ratios.
    speed = __import__("json").loads((tmp_path / "speed_alternating.json").read_text())["best_median_ms"]
    assert set(speed) == {style, f"{student} transfer", f"{student} predictor"}
    assert all(set(ms) == {"float32", "int8", "mixed"} and min(ms.values()) > 0 for ms in speed.values())
    assert "Speed, dedicated comparison after the run" in text
