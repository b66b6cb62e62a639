"""Test-run set-up shared by tests/ and the doctests in tfstyle/.

Machines here have no internet, so VGG19 weights come from ../shared (see its README);
a user with internet can run the suite without it (weights download as "imagenet").
"""
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_SHARED_WEIGHTS = pathlib.Path(__file__).resolve().parent.parent / "shared" / "weights" / "vgg19_notop.h5"
if "TFSTYLE_VGG19_WEIGHTS" not in os.environ and _SHARED_WEIGHTS.is_file():
    os.environ["TFSTYLE_VGG19_WEIGHTS"] = str(_SHARED_WEIGHTS)

# The LiteRT files that 'tfstyle stylize' builds on first use go to one per-user folder for test runs,
# never to the user's ~/.cache/tfstyle (tests/test_litert_path.py builds into the same folder).
if "TFSTYLE_CACHE" not in os.environ:
    import tempfile

    os.environ["TFSTYLE_CACHE"] = os.environ.get("TFSTYLE_TEST_LITERT_CACHE") or os.path.join(
        tempfile.gettempdir(), f"tfstyle-test-litert-{os.getuid()}")

# Every export checks its file on LiteRT's GPU accelerator where a Vulkan device exists (CI installs
# lavapipe), a few seconds each on a software driver: the suite's many exports skip it;
# tests/test_gpu_accelerator.py turns it back on for itself.
os.environ.setdefault("TFSTYLE_NO_GPU_ACCELERATOR", "1")

# Importing __main__ would run the command line.
collect_ignore = ["tfstyle/__main__.py"]


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject.toml): one worker per usable core, at most 4.

    Much of the suite waits on one thread (fresh interpreters and Jupyter kernels importing
    TensorFlow, small Python-bound steps), so two workers on CI's two cores finish sooner than one;
    each worker holds its own TensorFlow (~2 GiB), hence the cap on large machines.
    """
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
