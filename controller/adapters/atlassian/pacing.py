"""Client-side pacing: one token bucket shared by every worker that talks to one rate limit.

Atlassian does not publish its limits, so the pacer learns them from the responses:

- Unpaced while `X-RateLimit-Remaining` shows more than half of `X-RateLimit-Limit` left.
- Below that, paced: a PI controller on the fill level (`Remaining / Limit`) sets the rate,
  so the server's bucket settles around half full, counting the requests already in flight
  (their tokens are not in the headers yet) as spent. The rate converges on the
  server's refill rate without estimating it (integer headers over milliseconds are noise).
- A 429 pauses *every* worker until the server's `Retry-After`: no thread sends during the pause,
  the schedule restarts behind it, and the rate drops below what was being sent, so a 429 never
  turns into a storm of retries. Without rate-limit headers the rate creeps back up slowly.
- While unpaced, never more requests in flight than the last response said remain, and only one
  before the first answer (one is always allowed): a burst of independent calls (one per group,
  one per account) cannot overrun a small bucket before the pacer has learned anything.

Time and sleeping are injected, so tests drive the pacer without waiting.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from controller.adapters.http_boundary.rate_limits import Budget

TARGET_FILL = 0.5  # share of the server's bucket to keep: the margin for requests in flight
INTEGRAL_GAIN = 0.04  # base-rate change per response at an empty bucket (-2%)
PROPORTIONAL_GAIN = 0.6  # rate offset from the base at an empty or full bucket (±30%)
FULL = 0.9
FAST_RAMP = 0.1
MIN_RATE = 0.5  # requests per second; never stall completely
SLOWDOWN_ON_429 = 0.7
ROOM_WAIT_SECONDS = 1.0  # re-check at least this often: the server's bucket refills meanwhile


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
        self._room = threading.Condition(self._lock)
        self._remaining: int | None = None
        self._answered = False
        self._max_rate = max_rate
        self._rate: float | None = None
        self._base: float | None = None
        self._in_flight = 0
        self._next_start = 0.0
        self._paused_until = 0.0
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
                self._wait_for_room()
                now = self._clock()
                start = max(now, self._next_start, self._paused_until)
                # Reserving the slot makes concurrent workers queue behind it, not on it.
                self._next_start = start + self._interval()
                if start <= now:
                    self._started(now)
                    return
            self._sleep(start - now)
            with self._lock:
                if self._clock() >= self._paused_until:
                    self._started(self._clock())
                    return

    def finished(self) -> None:
        """A request that `wait_turn` let through has its answer (or failed)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._room.notify_all()

    def _wait_for_room(self) -> None:
        """Hold (lock held) while the requests in flight already spend the last known budget."""
        while self._in_flight > 0 and not self._has_room():
            if not self._room.wait(timeout=ROOM_WAIT_SECONDS):
                return

    def _has_room(self) -> bool:
        if not self._answered:
            return False
        # Once paced, the rate spaces the starts: the headers lag the tokens in-flight requests
        # took, and holding to them as well would send below the server's rate.
        paced = self._rate is not None
        return paced or self._remaining is None or self._remaining > self._in_flight

    def _started(self, now: float) -> None:
        self._recent_starts.append(now)
        self._in_flight += 1

    def _interval(self) -> float:
        rates = [r for r in (self._rate, self._max_rate) if r is not None]
        return 1 / min(rates) if rates else 0.0

    def pause(self, seconds: float) -> None:
        """Everyone waits `seconds` (a 429's Retry-After), then sends at a lower rate."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + seconds)
            self._next_start = max(self._next_start, self._paused_until)
            self._slow_down()

    def observe(self, budget: Budget) -> None:
        """Learn from the rate-limit headers of a successful response."""
        with self._lock:
            self._answered = True
            self._remaining = budget.remaining
            self._room.notify_all()
            if budget.remaining is None:
                self._recover_without_headers()
                return
            self._largest_remaining = max(self._largest_remaining, budget.remaining)
            capacity = budget.limit or self._largest_remaining
            fill = self._usable_fill(budget.remaining, capacity)
            if self._base is None:
                if fill >= TARGET_FILL:
                    return  # plenty of budget: no need to pace yet
                self._base = max(MIN_RATE, self._sent_recently())
            self._base = max(MIN_RATE, self._base * (1 + self._integral_gain(fill)))
            # The proportional part reacts to the bucket level at once and damps the swing
            # the integral part alone would have around the server's refill rate.
            self._rate = max(MIN_RATE, self._base * (1 + PROPORTIONAL_GAIN * (fill - TARGET_FILL)))

    def _usable_fill(self, remaining: int, capacity: int) -> float:
        """How full the bucket is once the requests still in flight have taken their tokens
        (the headers do not show those yet), as a share of the room they leave."""
        room = capacity - self._in_flight
        usable = remaining - self._in_flight
        if room <= 0:
            return 1.0 if usable > 0 else 0.0
        return min(1.0, max(0.0, usable / room))

    @staticmethod
    def _integral_gain(fill: float) -> float:
        if fill >= FULL:
            return FAST_RAMP  # a full bucket hides how much more we could send: probe quickly
        return INTEGRAL_GAIN * (fill - TARGET_FILL)

    def _slow_down(self) -> None:
        sent = self._sent_recently()
        current = self._rate if self._rate is not None else sent
        self._base = max(MIN_RATE, min(current, sent) * SLOWDOWN_ON_429)
        self._rate = self._base

    def _sent_recently(self) -> float:
        """Requests started per second over the last second (or since the first one)."""
        now = self._clock()
        recent = [t for t in self._recent_starts if t > now - 1.0]
        if not recent:
            return MIN_RATE
        return len(recent) / max(now - recent[0], 1 / len(recent), 0.05)

    def _recover_without_headers(self) -> None:
        if self._rate is not None:
            self._rate *= 1 + FAST_RAMP / 2
