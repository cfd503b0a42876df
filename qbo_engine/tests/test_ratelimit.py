"""Rate limiter on a fake clock: per-second, per-minute, batch and concurrency caps, pauses, realms."""
import threading
import time

import pytest

from fake_clock import FakeClock
from qbo_engine.ratelimit import DEFAULT_SLOT_TIMEOUT, MAX_PAUSE, RateLimiter, RateLimitTimeout


@pytest.fixture
def clock():
    return FakeClock()


# QBO's windows exactly as configured (no safety margin, no skew): the tests of the sliding windows.
EXACT = {"margin": 0, "skew": 0}


@pytest.fixture
def limiter(clock):
    return RateLimiter(clock=clock, sleep=clock.sleep, **EXACT)


def start_times(limiter, clock, count, realm="realm-1", batch=False):
    times = []
    for _ in range(count):
        with limiter.slot(realm, batch=batch):
            times.append(clock())
    return times


def wait_until(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_ten_requests_a_second(limiter, clock):
    assert start_times(limiter, clock, 25) == [0.0] * 10 + [1.0] * 10 + [2.0] * 5
    assert clock.sleeps == [1.0, 1.0]


def test_five_hundred_requests_a_minute(limiter, clock):
    times = start_times(limiter, clock, 520)
    assert times[:500] == [float(n // 10) for n in range(500)]
    # The 501st waits until the first ten leave the one-minute window.
    assert times[500:] == [60.0] * 10 + [61.0] * 10
    assert limiter.usage("realm-1") == {
        "in_flight": 0, "last_second": 10, "last_minute": 500, "batches_last_minute": 0, "paused_for": 0.0
    }


def test_forty_batch_calls_a_minute_and_plain_calls_go_on(limiter, clock):
    times = start_times(limiter, clock, 40, batch=True)
    assert times == [0.0] * 10 + [1.0] * 10 + [2.0] * 10 + [3.0] * 10
    clock.sleep(1.0)
    with pytest.raises(RateLimitTimeout) as info:
        with limiter.slot("realm-1", batch=True, timeout=0):
            pass
    assert info.value.retry_after == 56.0
    assert start_times(limiter, clock, 1) == [4.0]  # a plain request is not held by the batch cap
    assert start_times(limiter, clock, 6, batch=True) == [60.0] * 6


def test_pause_holds_every_slot_of_the_realm_only(limiter, clock):
    start_times(limiter, clock, 3)
    limiter.pause("realm-1", 30)
    limiter.pause("realm-1", 5)  # a shorter pause never cuts a longer one
    assert limiter.usage("realm-1")["paused_for"] == 30.0
    assert start_times(limiter, clock, 1, realm="realm-2") == [0.0]
    assert start_times(limiter, clock, 2) == [30.0, 30.0]
    assert limiter.usage("realm-1")["paused_for"] == 0.0


def test_realms_do_not_share_limits(limiter, clock):
    start_times(limiter, clock, 10, realm="realm-1")
    assert start_times(limiter, clock, 10, realm="realm-2") == [0.0] * 10
    assert start_times(limiter, clock, 1, realm="realm-1") == [1.0]


def test_at_most_ten_in_flight_per_realm_across_threads(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, per_second=1000, per_minute=1000)
    gate = threading.Event()
    lock = threading.Lock()
    state = {"inside": 0, "max_inside": 0, "done": 0}

    def request():
        with limiter.slot("realm-1"):
            with lock:
                state["inside"] += 1
                state["max_inside"] = max(state["max_inside"], state["inside"])
            gate.wait(5)
            with lock:
                state["inside"] -= 1
                state["done"] += 1

    threads = [threading.Thread(target=request) for _ in range(25)]
    for thread in threads:
        thread.start()
    wait_until(lambda: state["inside"] == 10)
    time.sleep(0.05)  # give the fifteen others every chance to break in
    assert state["inside"] == 10
    assert limiter.usage("realm-1")["in_flight"] == 10
    # Another realm is not held by this one's slots.
    with limiter.slot("realm-2", timeout=0):
        assert limiter.usage("realm-2")["in_flight"] == 1
    with pytest.raises(RateLimitTimeout):
        with limiter.slot("realm-1", timeout=0.02):
            pass
    gate.set()
    for thread in threads:
        thread.join(5)
    assert (state["max_inside"], state["done"]) == (10, 25)
    assert limiter.usage("realm-1")["in_flight"] == 0


def test_pause_reaches_a_request_already_waiting_for_a_slot(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, concurrent=1)
    entered = []
    holding = limiter.slot("realm-1")
    holding.__enter__()
    waiter = threading.Thread(target=lambda: entered.extend(start_times(limiter, clock, 1)))
    waiter.start()
    time.sleep(0.02)
    assert entered == []
    limiter.pause("realm-1", 30)  # a 429 arrived on the request in flight
    holding.__exit__(None, None, None)
    waiter.join(5)
    assert entered == [30.0]


def test_limits_hold_under_threads_on_a_fake_clock(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, **EXACT)
    lock = threading.Lock()
    starts = []

    def worker():
        for _ in range(30):
            with limiter.slot("realm-1"):
                with lock:
                    starts.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    starts.sort()
    assert len(starts) == 240
    # Any one-second window holds at most ten starts, whichever thread slept.
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) == 10
    assert limiter.usage("realm-1")["in_flight"] == 0


def test_timeout_instead_of_a_long_wait(limiter, clock):
    start_times(limiter, clock, 10)
    with pytest.raises(RateLimitTimeout) as info:
        with limiter.slot("realm-1", timeout=0.5):
            pass
    assert (info.value.realm_id, info.value.retry_after) == ("realm-1", 1.0)
    assert str(info.value) == "QuickBooks company realm-1: no request slot free for 1.0 s"
    assert clock() == 0.0  # gave up without sleeping
    with limiter.slot("realm-1", timeout=1.0):
        assert clock() == 1.0


def test_slot_is_released_when_the_request_fails(limiter):
    with pytest.raises(RuntimeError):
        with limiter.slot("realm-1"):
            raise RuntimeError("connection reset")
    assert limiter.usage("realm-1")["in_flight"] == 0


@pytest.mark.parametrize("name", ["per_minute", "per_second", "concurrent", "batch_per_minute"])
def test_limits_must_be_positive(name):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer, got 0"):
        RateLimiter(**{name: 0})


def test_a_slot_without_a_timeout_still_has_one(limiter, clock):
    limiter.pause("realm-1", DEFAULT_SLOT_TIMEOUT + 5)
    with pytest.raises(RateLimitTimeout) as info:
        with limiter.slot("realm-1"):
            pass
    assert info.value.retry_after == pytest.approx(DEFAULT_SLOT_TIMEOUT + 5)
    assert clock() == 0.0  # it saw the wait would be too long and did not start it


def test_a_pause_never_exceeds_its_bound(limiter, clock):
    limiter.pause("realm-1", 3600)
    assert limiter.usage("realm-1")["paused_for"] == MAX_PAUSE
    bounded = RateLimiter(clock=clock, sleep=clock.sleep, max_pause=5)
    bounded.pause("realm-1", 60)
    assert bounded.usage("realm-1")["paused_for"] == 5


# === the safety margin: our own bursts never exceed QuickBooks' windows === #

def most_in_any_window(starts, window):
    return max(sum(1 for other in starts if start <= other < start + window) for start in starts)


def test_a_burst_keeps_below_quickbooks_windows_even_when_they_start_elsewhere(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)  # the defaults a client gets
    starts = start_times(limiter, clock, 600)
    # QuickBooks' windows may start anywhere, and see our requests up to the skew allowance closer together:
    # requests we spread over a window and a skew still fit in QuickBooks' count.
    assert most_in_any_window(starts, 1.0 + limiter.skew) <= limiter.per_second
    assert most_in_any_window(starts, 60.0 + limiter.skew) <= limiter.per_minute * (1 - limiter.margin)
    assert most_in_any_window(starts, 60.0) < limiter.per_minute


def test_batch_calls_keep_a_margin_too(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    starts = start_times(limiter, clock, 80, batch=True)
    assert most_in_any_window(starts, 60.0 + limiter.skew) <= limiter.batch_per_minute * (1 - limiter.margin)


def test_margin_and_skew_are_checked():
    with pytest.raises(ValueError):
        RateLimiter(margin=1)
    with pytest.raises(ValueError):
        RateLimiter(skew=-1)


# === how long a 429 without Retry-After waits === #

def test_a_429_with_the_minute_window_nearly_unused_waits_for_the_second_window(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start_times(limiter, clock, 5)
    assert limiter.throttle_wait("realm-1") == 1.0 + limiter.skew


def test_a_429_again_within_the_minute_waits_twice_as_long_up_to_the_rest_of_the_minute(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    window = 1.0 + limiter.skew
    waits = [limiter.throttle_wait("realm-1") for _ in range(8)]
    assert waits == [min(window * 2 ** n, 60.0 + limiter.skew) for n in range(8)]
    clock.sleep(61)
    assert limiter.throttle_wait("realm-1") == window  # a minute later the count starts again


def test_a_429_while_busy_this_second_waits_for_the_second_window_only(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start_times(limiter, clock, 400)  # the minute nearly full, and the last second full too
    assert limiter.throttle_wait("realm-1") == 1.0 + limiter.skew


def test_a_429_with_the_minute_window_nearly_full_waits_for_its_oldest_request(clock):
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    starts = start_times(limiter, clock, 400)
    clock.sleep(2)  # nothing sent in the last second: the per-second window cannot be the one
    wait = limiter.throttle_wait("realm-1")
    assert wait == pytest.approx(starts[0] + 60.0 + limiter.skew - clock())
    assert 1.0 + limiter.skew < wait < 60.0
