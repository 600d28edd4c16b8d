"""Tests of the benchmark (bench/): its budget check and the SQL budgets it keeps."""
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench_run():
    """``bench/run.py`` as a module (bench/ is no package)."""
    if "bench_run" not in sys.modules:  # its dataclasses look their module up in sys.modules
        spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_run"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_run"]
