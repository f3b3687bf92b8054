"""Issue 12 (soak): a per-address limiter must not keep one entry per client ever seen."""

from __future__ import annotations

import pytest


def test_idle_clients_are_forgotten() -> None:
    from ecert.http.auth import RateLimiter

    limiter = RateLimiter(per_minute=5)
    limiter.SWEEP_EVERY = 50  # type: ignore[misc]
    for i in range(49):
        limiter.check(f"198.51.100.{i}", now=0.0)
    assert len(limiter) == 49
    limiter.check("203.0.113.1", now=61.0)  # the 50th check sweeps: the others are idle
    assert len(limiter) == 1


def test_sweeping_keeps_the_limit_of_active_clients() -> None:
    from ecert.http.auth import ProblemError, RateLimiter

    limiter = RateLimiter(per_minute=3)
    limiter.SWEEP_EVERY = 2  # type: ignore[misc]
    for t in (0.0, 1.0, 2.0):
        limiter.check("a", now=t)
    with pytest.raises(ProblemError):
        limiter.check("a", now=3.0)
