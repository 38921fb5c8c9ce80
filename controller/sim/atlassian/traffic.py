"""Traffic shaping for the simulator: token-bucket rate limits, seeded faults, request counters.

Pure bookkeeping with an injectable clock; `gateway` turns the decisions into HTTP responses.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from controller.sim.atlassian.config import FaultKind, RateLimit

Clock = Callable[[], float]


@dataclass(frozen=True)
class Admission:
    """What the bucket said about one request, and the figures for the X-RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the bucket is full again (or, refused, until one token)
    retry_after: int  # whole seconds to wait; 0 when allowed


class TokenBucket:
    """`rps` tokens a second, at most `burst`; each request takes one or is refused."""

    def __init__(self, rate: RateLimit, *, clock: Clock = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._tokens = float(rate.burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> Admission:
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return self._admission(allowed=True)
            return self._admission(allowed=False)

    def _refill(self) -> None:
        now = self._clock()
        gained = (now - self._stamp) * self._rate.rps
        self._tokens = min(float(self._rate.burst), self._tokens + gained)
        self._stamp = now

    def _admission(self, *, allowed: bool) -> Admission:
        if allowed:
            until_full = (self._rate.burst - self._tokens) / self._rate.rps
            return Admission(True, self._rate.burst, int(self._tokens), until_full, 0)
        until_token = (1.0 - self._tokens) / self._rate.rps
        wait = max(1, math.ceil(until_token))
        return Admission(False, self._rate.burst, 0, float(wait), wait)


class FaultPlan:
    """Seeded fault decisions: the same seed and request order give the same faults."""

    def __init__(self, *, rate: float, seed: int, kinds: tuple[FaultKind, ...]) -> None:
        self._rate = rate
        self._kinds = kinds
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def next_fault(self) -> FaultKind | None:
        """Decide for one request; draws happen in arrival order under the lock."""
        if self._rate <= 0 or not self._kinds:
            return None
        with self._lock:
            if self._random.random() >= self._rate:
                return None
            return self._random.choice(self._kinds)

    def reset(self) -> None:
        with self._lock:
            self._random = random.Random(self._seed)


class Stats:
    """Counters served at /__sim/stats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._statuses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._rate_limited = 0

    def request(self, route: str) -> None:
        with self._lock:
            self._requests[route] += 1

    def response(self, status: int) -> None:
        with self._lock:
            self._statuses[str(status)] += 1

    def fault(self, kind: FaultKind) -> None:
        with self._lock:
            self._faults[kind] += 1

    def rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def as_json(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "requests_total": sum(self._requests.values()),
                "statuses": dict(sorted(self._statuses.items())),
                "responses_429": self._statuses["429"],
                "rate_limited": self._rate_limited,
                "faults": dict(sorted(self._faults.items())),
                "faults_total": sum(self._faults.values()),
            }

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._statuses.clear()
            self._faults.clear()
            self._rate_limited = 0
