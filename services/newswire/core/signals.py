"""SIGTERM before a service's run loop: remembered, not fatal.

A service spends its first seconds importing, opening the log and the
database and (the extractor) loading its language model. A SIGTERM then used
to end it with 143. The process now remembers SIGTERM from its first line
(:func:`defer_sigterm`, called by ``newswire.__main__`` before the CLI is even
imported) until:

- the command turns out not to be a service (:func:`release_sigterm` in the
  CLI's root callback) or ends: a remembered SIGTERM is delivered again, and
  the process ends with 143 as it always did;
- the service's run loop starts (``newswire.commands.run_service``): it sees
  the request (:func:`take_stop_request`), stops before its first batch and
  exits 0.

This module imports nothing but the standard library, so that it is loaded
in milliseconds.
"""

from __future__ import annotations

import os
import signal

__all__ = ["defer_sigterm", "release_sigterm", "take_stop_request"]

_state = {"deferred": False, "requested": False}


def _remember(signum: int, frame: object) -> None:
    _state["requested"] = True


def defer_sigterm() -> None:
    """From now on, SIGTERM is remembered instead of ending the process."""
    _state["deferred"] = True
    signal.signal(signal.SIGTERM, _remember)


def release_sigterm() -> None:
    """SIGTERM ends the process again; one that came meanwhile does so now."""
    if not _state["deferred"]:
        return
    _state["deferred"] = False
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _state["requested"]:
        _state["requested"] = False
        os.kill(os.getpid(), signal.SIGTERM)


def take_stop_request() -> bool:
    """Whether a SIGTERM came while deferred (then the caller handles it): ends the deferral."""
    requested = _state["requested"]
    _state["deferred"] = _state["requested"] = False
    return requested
