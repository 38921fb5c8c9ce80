"""Client-side pacing: one token bucket shared by every worker that talks to one rate limit.

Atlassian does not publish its limits, so the pacer learns them from the responses:

- `X-RateLimit-Remaining` is the server's bucket after our request. Between two observations the
  server refilled `Δremaining + responses` tokens, which gives the refill rate while the bucket is
  not full (a full bucket hides its refill). The pacer then sends at that rate plus a proportional
  term that steers the remaining budget towards half of `X-RateLimit-Limit`, so a few requests
  can always be in flight without one of them hitting an empty bucket.
- A 429 pauses *every* worker until the server's `Retry-After`: no thread sends in the pause and
  the schedule restarts behind it, so a 429 never turns into a storm of retries. The learned rate
  is lowered as well; a server that sends no rate-limit headers is handled by halving the rate we
  were sending at and recovering slowly.

Time and sleeping are injected, so tests drive the pacer without waiting.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

ESTIMATE_WINDOW = 0.5  # seconds between refill estimates: long enough to average out jitter
STEERING_TIME = 1.0  # seconds over which a surplus or deficit of budget is spent or rebuilt
MIN_RATE = 0.5  # requests per second; never stall completely
SLOWDOWN_ON_429 = 0.8
RECOVERY_PER_SUCCESS = 1.01


@dataclass(frozen=True)
class Budget:
    """The rate-limit headers of one response."""

    remaining: int | None = None
    limit: int | None = None


@dataclass
class _Observation:
    time: float
    remaining: int
    responses: int


class Pacer:
    """Spaces request starts to a learned rate; pauses everyone when the server says so."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        max_rate: float | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._max_rate = max_rate
        self._rate: float | None = None
        self._refill: float | None = None
        self._next_start = 0.0
        self._paused_until = 0.0
        self._responses = 0
        self._anchor: _Observation | None = None
        self._largest_remaining = 0
        self._recent_starts: deque[float] = deque(maxlen=256)

    @property
    def rate(self) -> float | None:
        """Requests per second the pacer currently allows; None while unpaced."""
        rates = [r for r in (self._rate, self._max_rate) if r is not None]
        return min(rates) if rates else None

    def wait_turn(self) -> None:
        """Block until this worker may start a request; a pause set meanwhile is honoured."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start, self._paused_until)
                # Reserving the slot makes concurrent workers queue behind it, not on it.
                self._next_start = start + self._interval()
                if start <= now:
                    self._recent_starts.append(now)
                    return
            self._sleep(start - now)
            with self._lock:
                if self._clock() >= self._paused_until:
                    self._recent_starts.append(self._clock())
                    return

    def _interval(self) -> float:
        rates = [r for r in (self._rate, self._max_rate) if r is not None]
        return 1 / min(rates) if rates else 0.0

    def pause(self, seconds: float) -> None:
        """Everyone waits `seconds` (a 429's Retry-After), then sends at a lower rate."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + seconds)
            self._next_start = max(self._next_start, self._paused_until)
            self._slow_down(now)

    def observe(self, budget: Budget) -> None:
        """Learn from the rate-limit headers of a successful response."""
        with self._lock:
            self._responses += 1
            if budget.remaining is None:
                self._recover_without_headers()
                return
            self._learn_refill(budget)
            self._steer(budget)

    def _learn_refill(self, budget: Budget) -> None:
        assert budget.remaining is not None
        now = self._clock()
        self._largest_remaining = max(self._largest_remaining, budget.remaining)
        capacity = budget.limit or self._largest_remaining
        current = _Observation(now, budget.remaining, self._responses)
        if budget.remaining >= 0.9 * capacity:
            self._anchor = None  # a (nearly) full bucket overflows: its refill is invisible
            return
        if self._anchor is None:
            self._anchor = current
            return
        elapsed = now - self._anchor.time
        if elapsed < ESTIMATE_WINDOW:
            return
        spent = current.responses - self._anchor.responses
        refill = max(MIN_RATE, (current.remaining - self._anchor.remaining + spent) / elapsed)
        self._refill = refill if self._refill is None else (self._refill + refill) / 2
        self._anchor = current

    def _steer(self, budget: Budget) -> None:
        assert budget.remaining is not None
        if self._refill is None:
            return
        capacity = budget.limit or self._largest_remaining
        surplus = budget.remaining - capacity / 2
        self._rate = max(MIN_RATE, self._refill + surplus / STEERING_TIME)

    def _slow_down(self, now: float) -> None:
        if self._refill is not None:
            self._refill *= SLOWDOWN_ON_429
            self._rate = max(MIN_RATE, self._refill)
            return
        sent_last_second = sum(1 for t in self._recent_starts if t > now - 1.0)
        self._rate = max(MIN_RATE, sent_last_second / 2)

    def _recover_without_headers(self) -> None:
        if self._rate is not None and self._refill is None:
            self._rate *= RECOVERY_PER_SUCCESS
