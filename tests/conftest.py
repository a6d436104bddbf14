"""Shared fixtures: a clean environment per test, a fresh embedded log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.core.log import SqliteLog

pytest_plugins = ["tests.fixtures.kafka", "tests.fixtures.http", "tests.fixtures.db"]



@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No NEWSWIRE_* variable leaks in from the developer's shell; each test runs in its own directory.

    The platform data directory (the default data home) is the test's own too, through XDG_DATA_HOME, so
    neither this process nor a subprocess that drops NEWSWIRE_* can touch the developer's data.
    """
    for name in list(os.environ):
        if name.startswith("NEWSWIRE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def sqlite_log(tmp_path: Path) -> Iterator[SqliteLog]:
    log = SqliteLog(tmp_path / "log.db", session_timeout=3.0)
    yield log
    log.close()
