"""A monotonic clock for the engine's tests: it only moves when someone sleeps on it."""
import threading


class FakeClock:
    """Call it for the time; ``sleep`` advances it and records how long (a 60 s pause takes no time)."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
