"""What the emulator has seen since start (or the last reset), for tests and benchmarks."""
import threading
from collections import Counter


class Counters:
    """Named counts plus per-kind and per-status breakdowns. Kept in memory only."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = Counter()
        self._faults = Counter()
        self._statuses = Counter()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def fault_injected(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[str(status)] += 1

    def snapshot(self) -> dict:
        with self._lock:
            names = ('requests', 'throttled', 'replays', 'batch_requests', 'token_requests',
                     'entries_created', 'entries_updated', 'entries_deleted', 'validation_faults')
            snapshot = {name: self._counts.get(name, 0) for name in names}
            snapshot['http_429'] = self._statuses.get('429', 0)
            snapshot['faults_injected'] = dict(self._faults)
            snapshot['statuses'] = dict(self._statuses)
            return snapshot

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults.clear()
            self._statuses.clear()
