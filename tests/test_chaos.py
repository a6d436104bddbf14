"""``make chaos`` in small: the campaign script runs, kills, catches up and compares (issue 12).

The real campaign (``make chaos``, 50 kills per backend over the 804 FA-KES
articles) takes minutes and is not part of the suite; this keeps its script
working: a few kills on a few articles, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.db import require_pg
from tests.fixtures.shared import SHARED

ROOT = Path(__file__).resolve().parent.parent
FAKES = SHARED / "corpus" / "fakes.jsonl"

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_small_campaign_ends_with_tables_equal_to_a_replay() -> None:
    assert FAKES.is_file(), f"{FAKES}: the shared corpus is missing"
    require_pg()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "chaos.py"), "--kills", "2", "--articles", "20",
                           "--seed", "5", "--fakes", str(FAKES)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("kill -9 campaign: 2 kills per backend, 20 FA-KES articles streamed")
    rows = [ln.split() for ln in lines if ln.startswith(("sqlite ", "postgresql "))]
    assert {r[0] for r in rows} == {"sqlite", "postgresql"} and len(rows) == 18
    assert all(r[-3:] == ["0", "0", "0"] for r in rows)
    assert lines[-1] == "result: every table equals its replay; no event lost or duplicated"
