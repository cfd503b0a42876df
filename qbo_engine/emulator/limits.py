"""QBO's per-company throttles: requests per minute and per second, concurrency, batch calls.

Sliding windows over the monotonic clock. ``time_scale`` shrinks every window
(60 makes a "minute" last one real second) so a benchmark can run through
several windows quickly; token lifetimes are not affected.
A refused request does not count against the windows.
"""
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class RateLimitSettings:
    per_minute: int = 500
    per_second: int = 10
    concurrent: int = 10
    batch_per_minute: int = 40

    def updated(self, **changes) -> 'RateLimitSettings':
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f'unknown rate limit(s): {", ".join(sorted(unknown))}; known: {", ".join(sorted(known))}')
        return replace(self, **{k: int(v) for k, v in changes.items()})

    def as_dict(self) -> dict:
        return asdict(self)


class RateLimits:
    """Admit or refuse a request for a realm; ``release`` must follow every admitted one."""

    def __init__(self, settings: RateLimitSettings = RateLimitSettings(), time_scale: float = 1.0,
                 monotonic=time.monotonic):
        if time_scale <= 0:
            raise ValueError('time_scale must be positive')
        self._settings = settings
        self._time_scale = float(time_scale)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._requests = defaultdict(deque)
        self._batches = defaultdict(deque)
        self._in_flight = defaultdict(int)

    @property
    def settings(self) -> RateLimitSettings:
        return self._settings

    @property
    def time_scale(self) -> float:
        return self._time_scale

    def configure(self, settings: RateLimitSettings = None, time_scale: float = None) -> None:
        with self._lock:
            if settings is not None:
                self._settings = settings
            if time_scale is not None:
                if time_scale <= 0:
                    raise ValueError('time_scale must be positive')
                self._time_scale = float(time_scale)
                # Timestamps taken on the old scale mean nothing on the new one.
                self._requests.clear()
                self._batches.clear()

    def _now(self) -> float:
        """Emulated seconds: real monotonic seconds times the scale."""
        return self._monotonic() * self._time_scale

    def try_acquire(self, realm_id: str, batch: bool = False) -> bool:
        with self._lock:
            now = self._now()
            limits = self._settings
            requests = self._requests[realm_id]
            while requests and requests[0] <= now - 60.0:
                requests.popleft()
            batches = self._batches[realm_id]
            while batches and batches[0] <= now - 60.0:
                batches.popleft()
            last_second = 0
            for stamp in reversed(requests):
                if stamp <= now - 1.0:
                    break
                last_second += 1
            refused = (len(requests) >= limits.per_minute
                       or last_second >= limits.per_second
                       or self._in_flight[realm_id] >= limits.concurrent
                       or (batch and len(batches) >= limits.batch_per_minute))
            if refused:
                return False
            requests.append(now)
            if batch:
                batches.append(now)
            self._in_flight[realm_id] += 1
            return True

    def release(self, realm_id: str) -> None:
        with self._lock:
            self._in_flight[realm_id] = max(0, self._in_flight[realm_id] - 1)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._batches.clear()
            self._in_flight.clear()
