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


def test_the_command_tree_does_not_load_the_services_heavy_libraries() -> None:
    """`newswire --help` and `newswire state` start fast: the services' libraries load when a command runs."""
    heavy = ["sqlalchemy", "datasketch", "trafilatura", "spacy", "kafka"]
    code = f"import sys, newswire.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("package", ["newswire.poller", "newswire.projector"])
def test_a_package_still_exports_every_name_it_lists(package: str) -> None:
    code = f"import {package} as p; print(all(getattr(p, n) is not None for n in p.__all__))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr
