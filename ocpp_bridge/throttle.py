"""Handshake throttles: wrong Basic-auth passwords and connection churn (README: limits).

Both keep a bounded amount of state (``max_keys`` entries each, oldest dropped first), are checked
before the station look-up (a throttled handshake costs no Odoo call and no pbkdf2) and answer
HTTP 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict


class _Bounded(OrderedDict):
    def __init__(self, max_keys: int):
        super().__init__()
        self.max_keys = max_keys

    def touch(self, key, default):
        value = self.get(key)
        if value is None:
            value = default()
            self[key] = value
            if len(self) > self.max_keys:
                self.popitem(last=False)
        else:
            self.move_to_end(key)
        return value


class FailureLockout:
    """Wrong passwords per key (identity or source address): the ``free``-th failure within
    ``window`` seconds locks the key for ``initial`` seconds, each further one doubles the lock,
    up to ``maximum``. ``success`` clears the key."""

    def __init__(self, free: int, window: float, initial: float, maximum: float, max_keys: int = 100_000, clock=None):
        self.free = max(1, free)
        self.window = window
        self.initial = initial
        self.maximum = maximum
        self.clock = clock or time.monotonic
        self._state = _Bounded(max_keys)  # key -> [failures, first_failure, locked_until]

    def locked_for(self, key) -> float:
        """Seconds the key is still locked (0 = free to try)."""
        state = self._state.get(key)
        if state is None:
            return 0.0
        return max(0.0, state[2] - self.clock())

    def failure(self, key) -> float:
        """Record a failure; returns the lockout it starts (0 if none yet)."""
        now = self.clock()
        state = self._state.touch(key, lambda: [0, now, 0.0])
        if now - state[1] > self.window and state[2] <= now:
            state[0], state[1] = 0, now  # the window passed without a lockout running: start over
        state[0] += 1
        over = state[0] - self.free
        if over < 0:
            return 0.0
        lock = min(self.maximum, self.initial * (2**over))
        state[2] = now + lock
        return lock

    def success(self, key):
        self._state.pop(key, None)


class RateLimit:
    """Token bucket per key: ``rate`` per second, bursts of ``burst``. ``rate <= 0`` = unlimited."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000, clock=None):
        self.rate = rate
        self.burst = max(1.0, burst)
        self.clock = clock or time.monotonic
        self._state = _Bounded(max_keys)  # key -> [tokens, last]

    def take(self, key) -> float:
        """0 when allowed (a token is taken), else the seconds until the next token."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        state = self._state.touch(key, lambda: [self.burst, now])
        state[0] = min(self.burst, state[0] + (now - state[1]) * self.rate)
        state[1] = now
        if state[0] >= 1.0:
            state[0] -= 1.0
            return 0.0
        return (1.0 - state[0]) / self.rate


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
