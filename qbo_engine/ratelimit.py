"""QuickBooks Online request limits, per company (realm), shared by all threads of a process.

QBO allows per realm and app: 500 requests a minute, 10 a second, 10 in
flight at once and 40 batch calls a minute (a batch call also counts as one
request). The limiter keeps a safety margin below those counts and windows a
little longer than QBO's, so our own bursts never draw a 429 even when QBO's
windows start elsewhere than ours. Going over answers 429 ThrottleExceeded; then
:meth:`RateLimiter.pause` holds every new request of that realm for the time the
client decides to wait (:meth:`RateLimiter.throttle_wait` when QBO gave no
Retry-After). Realms never wait for each other.

Windows are sliding: a request started at time t occupies the one-second
window until t + 1 and the one-minute window until t + 60. Clock and sleep
are injected so tests run on a fake clock in microseconds.
"""
import threading
import time
from collections import deque
from contextlib import contextmanager

# Waits shorter than this are rounding noise of float arithmetic, not waits.
_EPSILON = 1e-9
# Every wait is bounded: a slot without a timeout of its own waits at most this long (a minute window and
# then some), and no pause (after a 429) holds a realm longer than MAX_PAUSE.
DEFAULT_SLOT_TIMEOUT = 90.0
MAX_PAUSE = 120.0
# Our own bursts must never be the cause of a 429, even when QuickBooks' windows do not start where ours
# do (network delay, clock skew): keep a share of each count free and make each window a little longer.
SAFETY_MARGIN = 0.05  # of the per-minute counts: 475 requests and 38 batch calls a minute
BUSY_SHARE = 0.8  # a window is taken as the one exceeded when our own requests fill this share of it
WINDOW_SKEW = 0.25  # seconds added to each window: 10 requests per 1.25 s (8/s), the minute 60.25 s


class RateLimitTimeout(Exception):
    """No slot within the caller's ``timeout``; ``retry_after`` says when to try again (seconds)."""

    def __init__(self, realm_id, retry_after):
        self.realm_id = realm_id
        self.retry_after = retry_after
        super().__init__(f"QuickBooks company {realm_id}: no request slot free for {retry_after:.1f} s")


class _RealmState:
    """Start times of recent requests and the slots in use, for one realm."""

    __slots__ = ("second", "minute", "batches", "in_flight", "paused_until", "throttles", "last_throttle")

    def __init__(self):
        self.second = deque()
        self.minute = deque()
        self.batches = deque()
        self.in_flight = 0
        self.paused_until = float("-inf")
        self.throttles = 0  # 429s without Retry-After in a row (each within a minute of the last)
        self.last_throttle = float("-inf")


def _trim(times, now, window):
    while times and now - times[0] >= window:
        times.popleft()


class RateLimiter:
    """Per-realm sliding-window limits plus a concurrency cap; thread-safe.

    Usage::

        with limiter.slot(realm_id):            # or slot(realm_id, batch=True)
            response = session.post(...)
        if response.status_code == 429:
            limiter.pause(realm_id, 60)
    """

    def __init__(
        self,
        clock=time.monotonic,
        sleep=time.sleep,
        per_minute=500,
        per_second=10,
        concurrent=10,
        batch_per_minute=40,
        max_pause=MAX_PAUSE,
        margin=SAFETY_MARGIN,
        skew=WINDOW_SKEW,
    ):
        for name, value in (
            ("per_minute", per_minute),
            ("per_second", per_second),
            ("concurrent", concurrent),
            ("batch_per_minute", batch_per_minute),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self._clock = clock
        self._sleep = sleep
        self.per_minute = per_minute
        self.per_second = per_second
        self.concurrent = concurrent
        self.batch_per_minute = batch_per_minute
        self.max_pause = float(max_pause)
        if not 0 <= margin < 1 or skew < 0:
            raise ValueError(f"margin must be in [0, 1) and skew >= 0, got {margin!r}, {skew!r}")
        self.margin = float(margin)
        self.skew = float(skew)
        # What we allow ourselves: each window a little longer than QBO's, and a share of the per-minute counts
        # kept free. The per-second count needs no share of its own: a window a quarter longer already keeps
        # a fifth of QBO's per-second rate free.
        self._caps = {"second": per_second}
        self._caps.update({name: max(1, int(value * (1 - self.margin) + _EPSILON)) for name, value in (
            ("minute", per_minute), ("batch", batch_per_minute))})
        self._second_window = 1.0 + self.skew
        self._minute_window = 60.0 + self.skew
        self._cond = threading.Condition(threading.Lock())
        self._realms = {}

    @contextmanager
    def slot(self, realm_id, batch=False, timeout=None):
        """Hold one request slot of ``realm_id`` for the duration of the block.

        Blocks until every limit allows a new request, at most ``timeout``
        seconds (None: DEFAULT_SLOT_TIMEOUT); beyond it raises
        :class:`RateLimitTimeout`, so a cron worker reschedules rather than sits idle.
        """
        self._acquire(realm_id, batch, DEFAULT_SLOT_TIMEOUT if timeout is None else timeout)
        try:
            yield
        finally:
            self._release(realm_id)

    def pause(self, realm_id, seconds):
        """Hold every new request of ``realm_id`` for ``seconds`` (after a 429), at most ``max_pause``.

        Never shortens a pause.
        """
        with self._cond:
            state = self._state(realm_id)
            seconds = min(max(0.0, float(seconds)), self.max_pause)
            state.paused_until = max(state.paused_until, self._clock() + seconds)
            self._cond.notify_all()

    def throttle_wait(self, realm_id):
        """Seconds to wait after a 429 that came without Retry-After: as long as the exceeded window needs.

        QuickBooks does not say which window was exceeded. When our own requests fill most of the
        last second, it is the per-second window: about one second. Else, when they fill most of
        the minute window (or the batch one), it is that one: wait until its oldest request
        leaves it. Else (someone else sharing the company's quota) a 429 again within the minute
        doubles the wait, from about a second up to the rest of the minute.
        """
        with self._cond:
            state = self._state(realm_id)
            now = self._clock()
            self._trim_all(state, now)
            streak = state.throttles + 1 if now - state.last_throttle < self._minute_window else 1
            state.throttles, state.last_throttle = streak, now
            if len(state.second) >= self._caps["second"] * BUSY_SHARE:
                return self._second_window  # we were busy this second: its window it is
            wait = self._second_window * 2 ** (streak - 1)
            for times, limit in ((state.minute, self._caps["minute"]), (state.batches, self._caps["batch"])):
                if times and len(times) >= limit * BUSY_SHARE:
                    wait = max(wait, times[0] + self._minute_window - now)
            return min(max(wait, self._second_window), self._minute_window)

    def usage(self, realm_id):
        """What the realm uses now: in flight, requests in the last second/minute, batches, pause left."""
        with self._cond:
            state = self._state(realm_id)
            now = self._clock()
            self._trim_all(state, now)
            return {
                "in_flight": state.in_flight,
                "last_second": len(state.second),
                "last_minute": len(state.minute),
                "batches_last_minute": len(state.batches),
                "paused_for": max(0.0, state.paused_until - now),
            }

    def _state(self, realm_id):
        state = self._realms.get(realm_id)
        if state is None:
            state = self._realms[realm_id] = _RealmState()
        return state

    def _trim_all(self, state, now):
        _trim(state.second, now, self._second_window)
        _trim(state.minute, now, self._minute_window)
        _trim(state.batches, now, self._minute_window)

    def _time_to_wait(self, state, now, batch):
        """Seconds until the time-based limits (pause, windows) admit one more request."""
        self._trim_all(state, now)
        limits = [(state.second, self._caps["second"], self._second_window),
                  (state.minute, self._caps["minute"], self._minute_window)]
        if batch:
            limits.append((state.batches, self._caps["batch"], self._minute_window))
        wait = state.paused_until - now
        for times, limit, window in limits:
            if len(times) >= limit:
                # The oldest start that must leave the window for one more to fit.
                wait = max(wait, times[len(times) - limit] + window - now)
        return wait

    def _acquire(self, realm_id, batch, timeout):
        with self._cond:
            deadline = None if timeout is None else self._clock() + timeout
            state = self._state(realm_id)
            while True:
                now = self._clock()
                wait = self._time_to_wait(state, now, batch)
                if wait <= _EPSILON and state.in_flight < self.concurrent:
                    state.second.append(now)
                    state.minute.append(now)
                    if batch:
                        state.batches.append(now)
                    state.in_flight += 1
                    return
                if deadline is not None and now + max(wait, 0.0) > deadline + _EPSILON:
                    raise RateLimitTimeout(realm_id, max(wait, 0.0))
                if wait > _EPSILON:
                    # Sleep outside the lock so other realms (and releases) go on.
                    self._cond.release()
                    try:
                        self._sleep(wait)
                    finally:
                        self._cond.acquire()
                elif deadline is None:
                    self._cond.wait()  # all slots busy: a release notifies
                elif not self._cond.wait(max(deadline - now, 0.0)) and state.in_flight >= self.concurrent:
                    raise RateLimitTimeout(realm_id, 1.0)

    def _release(self, realm_id):
        with self._cond:
            self._state(realm_id).in_flight -= 1
            self._cond.notify_all()
