"""Backoff delays from tenacity's wait strategies.

The poller and the supervisor schedule their next attempt (a feed's next
poll, a crashed child's restart) rather than block in a retry loop, so they
ask a tenacity wait strategy for the delay after the n-th consecutive failure
instead of wrapping a call in ``@retry``.
"""

from __future__ import annotations

from tenacity import RetryCallState, Retrying, wait_exponential, wait_random_exponential
from tenacity.wait import wait_base

__all__ = ["delay_after", "doubling", "doubling_with_equal_jitter"]


def delay_after(wait: wait_base, failures: int) -> float:
    """Seconds ``wait`` asks for after ``failures`` consecutive failures (the first retry is failure 1)."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = max(1, failures)
    return float(wait(state))


def doubling(base: float, maximum: float, factor: float = 2.0) -> wait_base:
    """``base * factor**(n-1)``, capped at ``maximum``."""
    return wait_exponential(multiplier=base, exp_base=factor, max=maximum)


def doubling_with_equal_jitter(base: float, maximum: float) -> wait_base:
    """Half of ``min(maximum, base * 2**(n-1))`` fixed, the other half random ("equal jitter").

    Retries of feeds that failed together spread out, but none comes back sooner than half its delay.
    """
    return (wait_exponential(multiplier=base / 2, max=maximum / 2)
            + wait_random_exponential(multiplier=base / 2, max=maximum / 2))
