"""Signals, in one place: SIGTERM (and Ctrl-C where asked) calls ``stop()``; nothing else installs a handler.

Every loop that drains on a signal says so with :func:`on_stop`: the services'
run loops (``newswire.commands.run_service``), ``newswire run`` (the
supervisor) and its ``--once`` stages, and ``newswire tail``. The callback must
be safe from a signal handler: it sets a flag (``service.stop()``,
``threading.Event.set``) and the loop finishes its batch and exits 0.

A service spends its first seconds importing, opening the log and the
database and (the extractor) loading its language model. A SIGTERM then used
to end it with 143. The process now remembers SIGTERM from its first line
(:func:`defer_sigterm`, called by ``newswire.__main__`` before the CLI is even
imported) until:

- the command turns out not to be a service (:func:`release_sigterm` in the
  CLI's root callback) or ends: a remembered SIGTERM is delivered again, and
  the process ends with 143 as it always did;
- a loop installs its handler (:func:`on_stop`, from ``run_service``): a
  SIGTERM remembered meanwhile calls ``stop()`` at once, so the service stops
  before its first batch and exits 0.

This module imports nothing but the standard library, so that it is loaded
in milliseconds.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

__all__ = ["defer_sigterm", "on_stop", "release_sigterm"]

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


def on_stop(stop: Callable[[], None], *, sigint: bool = True) -> None:
    """From now on SIGTERM, and Ctrl-C (SIGINT) unless ``sigint=False``, call ``stop()``.

    1. The handlers are installed (a later call replaces them).
    2. The start-up deferral ends; a SIGTERM that came during it calls ``stop()`` now.

    With ``sigint=False`` Ctrl-C keeps Python's default (``KeyboardInterrupt``, exit 130 in the CLI).
    """

    def handler(signum: int, frame: object) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    if sigint:
        signal.signal(signal.SIGINT, handler)
    requested = _state["requested"]
    _state["deferred"] = _state["requested"] = False
    if requested:
        stop()
