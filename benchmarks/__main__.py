"""``python -m benchmarks``: run every benchmark and write ``docs/benchmarks.md`` (see :mod:`benchmarks.report`)."""

from __future__ import annotations

from benchmarks.report import main

raise SystemExit(main())
