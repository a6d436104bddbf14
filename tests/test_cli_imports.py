"""Each service's commands import on their own: no service CLI depends on the command tree being built first."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["newswire.poller.cli", "newswire.extractor.cli", "newswire.projector.cli",
                                    "newswire.supervisor.cli"])
def test_a_service_cli_imports_first(module: str) -> None:
    # A fresh interpreter, so no earlier import of newswire.cli hides a cycle.
    result = subprocess.run([sys.executable, "-c", f"import {module}; import newswire.cli"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
