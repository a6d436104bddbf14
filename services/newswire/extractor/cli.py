"""Commands of the extractor service."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this service's commands to the newswire CLI."""
