"""Supervise the services as child processes: start, watch, restart with backoff, stop.

Each service runs as ``python -m newswire [root options] poll|extract|project``:
exactly the command a container runs (``deploy/Dockerfile``, the Compose file,
the Kubernetes manifests), so ``newswire run`` exercises the production code
path, and a crash (a segfault in a native library, an out-of-memory kill, a
bug that escapes the run loop) takes down one service, not the pipeline.
Subprocesses rather than ``multiprocessing``: the children need no pickled
state (they resolve the same settings from the same flags, environment and
file), a child can be killed with ``kill -9`` and restarted like any process,
and its logs arrive as the JSON lines it writes anyway.

Children run in their own session (so a terminal's Ctrl-C reaches only the
supervisor, which then stops them in order) and, on Linux, receive SIGTERM if
the supervisor dies (``PR_SET_PDEATHSIG``), so no orphan keeps a log partition.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from newswire.commands import EXIT_CONFIG  # a child exiting with it is not restarted: a bad configuration stays bad
from newswire.core.backoff import delay_after, doubling
from newswire.core.logging import get_logger

__all__ = ["ServiceSpec", "PIPELINE", "SERVICES", "Backoff", "ManagedProcess", "Supervisor", "service_argv"]

_log = get_logger("newswire.supervisor")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    command: str


# The stages events flow through, in order (``newswire run --once`` runs each until caught up)...
PIPELINE: tuple[ServiceSpec, ...] = (
    ServiceSpec("poller", "poll"),
    ServiceSpec("extractor", "extract"),
    ServiceSpec("projector", "project"),
)
# ...and everything ``newswire run`` keeps up: the stages and the read API with its map page.
SERVICES: tuple[ServiceSpec, ...] = (*PIPELINE, ServiceSpec("api", "serve"))


def service_argv(spec: ServiceSpec, root_args: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    """The command line of one service: the same interpreter, the same root options."""
    return [sys.executable, "-m", "newswire", *root_args, spec.command, *extra]


@dataclass(frozen=True)
class Backoff:
    """Restart delays: ``base * factor**(n-1)`` after the n-th consecutive crash, capped at ``max``.

    A child that stayed up ``reset_after`` seconds is considered healthy again:
    its next crash waits ``base`` only.
    """

    base: float = 1.0
    factor: float = 2.0
    max: float = 60.0
    reset_after: float = 60.0

    def delay(self, consecutive_failures: int) -> float:
        return delay_after(doubling(self.base, self.max, self.factor), consecutive_failures)


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the supervisor dies (Linux only)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ManagedProcess:
    spec: ServiceSpec
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0
    last_exit: int | None = None
    next_start: float | None = 0.0  # monotonic time of the next (re)start; None: not to be started
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    reader: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def uptime(self, now: float | None = None) -> float:
        return ((now or time.monotonic()) - self.started_at) if self.running else 0.0


OutputSink = Callable[[str, str], None]
"""Receives (service name, one output line) from the reader threads."""


class Supervisor:
    """Keeps every service running until :meth:`stop` (safe from a signal handler)."""

    def __init__(self, argvs: Mapping[ServiceSpec, list[str]], *, backoff: Backoff | None = None,
                 env: Mapping[str, str] | None = None, output: OutputSink | None = None,
                 grace: float = 20.0) -> None:
        self.processes = [ManagedProcess(spec, argv) for spec, argv in argvs.items()]
        self.backoff = backoff or Backoff()
        self.env = dict(os.environ if env is None else env)
        self.output = output
        self.grace = grace
        self.fatal: tuple[str, int] | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to stop the children and return."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def _spawn(self, mp: ManagedProcess) -> None:
        mp.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            mp.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        mp.started_at = time.monotonic()
        mp.next_start = None
        mp.reader = threading.Thread(target=self._pump, args=(mp, mp.proc), name=f"{mp.name}-output", daemon=True)
        mp.reader.start()
        _log.info("service started", service=mp.name, pid=mp.proc.pid, restarts=mp.restarts)

    def _pump(self, mp: ManagedProcess, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            mp.lines.append(line)
            if self.output is not None:
                self.output(mp.name, line)

    def tick(self, now: float | None = None) -> None:
        """Reap exited children, schedule restarts, start those that are due. Call often."""
        now = time.monotonic() if now is None else now
        for mp in self.processes:
            if mp.proc is not None and mp.next_start is None:
                code = mp.proc.poll()
                if code is None:
                    if mp.failures and now - mp.started_at >= self.backoff.reset_after:
                        mp.failures = 0
                    continue
                self._exited(mp, code, now)
            if mp.next_start is not None and now >= mp.next_start and not self.stopping and self.fatal is None:
                if mp.proc is not None:
                    mp.restarts += 1
                self._spawn(mp)

    def _exited(self, mp: ManagedProcess, code: int, now: float) -> None:
        mp.last_exit = code
        uptime = now - mp.started_at
        if uptime >= self.backoff.reset_after:
            mp.failures = 0
        mp.failures += 1
        tail = [line for line in list(mp.lines)[-5:] if line.strip()]
        if code == EXIT_CONFIG:
            self.fatal = (mp.name, code)
            _log.error("service exited on a configuration error; stopping", service=mp.name, exit_code=code,
                       output=tail)
            self.stop()
            return
        delay = self.backoff.delay(mp.failures)
        mp.next_start = now + delay
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        _log.error("service crashed; restarting", service=mp.name, how=how, exit_code=code,
                   uptime_s=round(uptime, 1), restart_in_s=round(delay, 1), consecutive_failures=mp.failures,
                   output=tail)

    def run(self, on_tick: Callable[[], None] | None = None, interval: float = 0.2) -> int:
        """Start everything, supervise until :meth:`stop`, stop the children; the exit code to use."""
        try:
            while not self.stopping:
                self.tick()
                if on_tick is not None:
                    on_tick()
                self._stopping.wait(interval)
        finally:
            self.shutdown()
        return self.fatal[1] if self.fatal is not None else 0

    def shutdown(self) -> dict[str, int | None]:
        """SIGTERM every child (they finish their batch and commit), SIGKILL those still up after ``grace``."""
        self._stopping.set()
        alive = [mp for mp in self.processes if mp.running]
        for mp in alive:
            assert mp.proc is not None
            with contextlib.suppress(ProcessLookupError):
                mp.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for mp in alive:
            assert mp.proc is not None
            try:
                mp.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _log.warning("service did not stop in time; killing it", service=mp.name, grace_s=self.grace)
                mp.proc.kill()
                mp.proc.wait()
            mp.last_exit = mp.proc.returncode
            if mp.reader is not None:  # pass on the child's last lines (its summary) before we exit
                mp.reader.join(timeout=2.0)
            _log.info("service stopped", service=mp.name, exit_code=mp.last_exit)
        return {mp.name: mp.last_exit for mp in self.processes}
