"""Emulator time: a wall clock that tests can move forward, and QBO's time formats.

QBO answers in the company's time zone (Pacific for the sandbox). A fixed
offset keeps the emulator deterministic while still making clients parse the
offset instead of assuming UTC.
"""
import threading
import time
from datetime import date, datetime, timedelta, timezone

COMPANY_TZ = timezone(timedelta(hours=-7))


class EmulatorClock:
    """Wall-clock seconds plus an offset that admin calls can advance.

    Token lifetimes, MetaData times and report dates follow this clock, so a
    test can expire a one-hour access token without waiting an hour. Rate-limit
    windows use the monotonic clock instead (see limits.py).
    """

    def __init__(self, wall=time.time):
        self._wall = wall
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._wall() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(COMPANY_TZ).date()

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += float(seconds)
            return self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def qbo_datetime(epoch: float) -> str:
    """MetaData form: '2024-05-01T10:00:00-07:00' (second precision)."""
    return datetime.fromtimestamp(int(epoch), tz=COMPANY_TZ).isoformat()


def qbo_response_time(epoch: float) -> str:
    """The top-level "time" of an answer: milliseconds and offset."""
    stamp = datetime.fromtimestamp(epoch, tz=COMPANY_TZ)
    return stamp.isoformat(timespec='milliseconds')


def parse_qbo_datetime(text: str) -> datetime:
    """Parse an ISO date-time as clients send it; no offset means company time."""
    cleaned = text.strip()
    if cleaned.endswith('Z'):
        cleaned = cleaned[:-1] + '+00:00'
    parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=COMPANY_TZ)
    return parsed
