"""Run every ``benchmarks/*.py`` module's ``main()`` with its default arguments, in name order."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

for path in sorted(Path(__file__).parent.glob("*.py")):
    if path.stem.startswith("_"):
        continue
    module = importlib.import_module(f"benchmarks.{path.stem}")
    if hasattr(module, "main"):
        print(f"\n== benchmarks/{path.name}", flush=True)
        sys.argv = [str(path)]  # each main() parses its own defaults, not the runner's arguments
        module.main()
