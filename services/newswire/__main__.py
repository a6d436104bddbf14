"""``python -m newswire`` and the ``newswire`` console script.

SIGTERM is remembered from the process's first line (:mod:`newswire.core.signals`):
a service asked to stop while it starts drains and exits 0.
"""

from __future__ import annotations


def main() -> None:
    from newswire.core.signals import defer_sigterm

    defer_sigterm()
    from newswire.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
