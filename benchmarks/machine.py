"""The machine a benchmark ran on: :mod:`tfstyle.machine` (kept here for the benchmark scripts)."""
from tfstyle.machine import describe, info, publish  # noqa: F401
