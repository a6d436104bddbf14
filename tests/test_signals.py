"""Signal handling has one home, ``newswire.core.signals``: one small API, used by every loop that drains."""

from __future__ import annotations

import ast
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.core import signals
from newswire.core.signals import defer_sigterm, on_stop, release_sigterm

SERVICES = Path(signals.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def restore_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)
    signals._state.update(deferred=False, requested=False)


def test_sigterm_and_ctrl_c_call_stop() -> None:
    calls: list[str] = []
    on_stop(lambda: calls.append("stop"))
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)
    assert calls == ["stop", "stop"]


def test_sigint_false_leaves_ctrl_c_as_keyboard_interrupt() -> None:
    calls: list[str] = []
    signal.signal(signal.SIGINT, signal.default_int_handler)
    on_stop(lambda: calls.append("stop"), sigint=False)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    assert calls == ["stop"]


def test_a_sigterm_remembered_during_start_up_calls_stop_when_the_loop_installs_its_handler() -> None:
    calls: list[str] = []
    defer_sigterm()
    os.kill(os.getpid(), signal.SIGTERM)  # remembered, not fatal
    assert calls == []
    on_stop(lambda: calls.append("stop"))
    assert calls == ["stop"]
    release_sigterm()  # the deferral has ended: nothing is delivered again
    os.kill(os.getpid(), signal.SIGTERM)
    assert calls == ["stop", "stop"]


def test_without_a_remembered_sigterm_on_stop_does_not_stop() -> None:
    calls: list[str] = []
    defer_sigterm()
    on_stop(lambda: calls.append("stop"))
    assert calls == []


def test_only_core_signals_installs_handlers() -> None:
    """``signal.signal`` is called in newswire.core.signals and nowhere else in the package."""
    callers = []
    for path in sorted(SERVICES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "signal"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "signal"):
                callers.append(str(path.relative_to(SERVICES)))
    assert callers and set(callers) == {"core/signals.py"}
