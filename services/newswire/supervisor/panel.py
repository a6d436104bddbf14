"""The live panel of ``newswire run`` on a terminal (rich): services, throughput, lag, tables."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from newswire.supervisor.process import ManagedProcess
from newswire.supervisor.state import PipelineState

__all__ = ["PANEL_WIDTH", "render_panel", "short_line"]

#: The panel's width at most: its tables read well at this width, and on a wide terminal
#: a full-width panel spreads four short columns across the screen.
PANEL_WIDTH = 110


def short_line(line: str) -> str:
    """One child log line as ``level event key=value ...`` (children write JSON lines)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict):
        return line
    level = entry.pop("level", "")
    event = entry.pop("event", "")
    entry.pop("timestamp", None)
    rest = " ".join(f"{k}={v}" for k, v in entry.items())
    return f"{level:<7} {event} {rest}".strip()


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def render_panel(state: PipelineState, processes: Sequence[ManagedProcess], *, title: str = "newswire",
                 now: float | None = None, recent_lines: Sequence[tuple[str, str]] = (),
                 log_lines: int = 6, width: int = PANEL_WIDTH) -> RenderableType:
    """The whole panel; ``recent_lines`` are (service, line) in arrival order, the last few are shown.

    ``width``: the panel's width (narrower terminals get their own width).
    """
    now = time.monotonic() if now is None else now

    services = Table(title="services", title_justify="left", expand=True)
    for col in ("service", "pid", "state", "uptime", "restarts", "last exit", "lag"):
        services.add_column(col, justify="right" if col in ("pid", "restarts", "lag", "last exit") else "left")
    for mp in processes:
        if mp.running:
            status = Text("running", style="green")
        elif mp.next_start is not None:
            status = Text(f"restart in {max(0.0, mp.next_start - now):.0f}s", style="yellow")
        else:
            status = Text("stopped", style="red")
        lag = state.lag.get(mp.name)
        services.add_row(mp.name, str(mp.pid or "-"), status, _duration(mp.uptime(now)) if mp.running else "-",
                         str(mp.restarts), "-" if mp.last_exit is None else str(mp.last_exit),
                         "-" if lag is None else f"{lag:,}")

    flow = Table(title="pipeline", title_justify="left", expand=True)
    flow.add_column("what")
    flow.add_column("count", justify="right")
    if state.feeds is not None:
        flow.add_row("feeds polled", f"{state.feeds.polled:,} of {state.feeds.total:,}")
        flow.add_row("feeds failing", Text(f"{state.feeds.failing:,}", style="red" if state.feeds.failing else ""))
    flow.add_row("articles published", f"{state.articles:,}")
    for kind, n in state.events.items():
        flow.add_row(f"events: {kind}", f"{n:,}")
    if not state.events:
        flow.add_row("events", "0")
    flow.add_row("dead letters", Text(f"{state.dead_letters:,}", style="red" if state.dead_letters else ""))

    tables = Table(title="tables", title_justify="left", expand=True)
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, n in state.tables.items():
        tables.add_row(name, f"{n:,}")

    recent = Text(no_wrap=True, overflow="ellipsis")
    for i, (name, line) in enumerate(list(recent_lines)[-log_lines:]):
        recent.append(("\n" if i else "") + f"{name:<10} ", style="bold")
        recent.append(short_line(line).replace("\n", " "))

    parts: list[RenderableType] = [services, flow, tables]
    if state.errors:
        parts.append(Text("\n".join(state.errors), style="red"))
    if recent:
        parts.append(Panel(recent, title="recent log lines", title_align="left"))
    return _Fit(Panel(Group(*parts), title=title, subtitle="Ctrl-C stops (drains and commits)"), width)


class _Fit:
    """A renderable at ``width`` columns, or the console's width when that is narrower."""

    def __init__(self, renderable: RenderableType, width: int) -> None:
        self.renderable, self.width = renderable, width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.renderable, options.update_width(min(self.width, options.max_width)))
