"""A small in-memory sliding-window rate limiter, per key (the client IP).

Each worker process keeps its own counts, so with N workers a client gets up to N times the
limit; that is enough to make enumerating /verify slow (see docs/operations.md)."""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import timedelta

from portal.core.clock import now


class RateLimiter:
    def __init__(self, limit: int, window_seconds: int, max_keys: int = 10_000):
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)
        self.max_keys = max_keys
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count one request; 0 when allowed, else the seconds until the next one is."""
        current = now()
        start = current - self.window
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._forget(start)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(math.ceil((hits[0] - start).total_seconds()), 1)
            hits.append(current)
            return 0

    def _forget(self, start) -> None:
        """Drop idle clients; if all are active, the oldest half (memory stays bounded)."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= start]:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:
            by_age = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._hits[key]
