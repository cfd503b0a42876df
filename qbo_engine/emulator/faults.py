"""Fault injection for API calls: a scripted sequence and/or seeded probabilities.

Kinds (what the client sees):
- ``401``   the access token is reported expired (lower-case JSON 3200 body);
- ``429``   QBO's XML throttle body, no Retry-After;
- ``500``   SystemFault JSON (code 10000); nothing is committed;
- ``503``   the gateway's HTML page; nothing is committed;
- ``slow``  the answer comes after ``slow_seconds`` (past the client's timeout) as a 504
            gateway page; nothing is committed;
- ``drop``  the request IS committed, then the socket is closed without an answer;
- ``malformed`` the request IS committed, then the answer is a 200 whose JSON body is cut
            in half (invalid JSON);
- ``shape`` the request IS committed, then the answer is a 200 with valid JSON of an
            unexpected shape (none of the keys the call returns, e.g. no BatchItemResponse).

Per batch item (probability only, rolled for each item of a batch call that drew no call fault):
- ``item``  that item is answered with a SystemFault (code 10000) and not committed; the
            batch's other items are handled as usual.

A script is consumed one API call at a time ("ok,ok,500,ok"); once it is used up,
probabilities apply (each kind rolled in the order above with one seeded RNG).
"""
import random
import threading
from collections import deque

# New kinds go last: a seeded campaign without them rolls the same sequence as before.
FAULT_KINDS = ('401', '429', '500', '503', 'slow', 'drop', 'malformed', 'shape')
ITEM_FAULT_KINDS = ('item',)
ALIASES = {'ok': None, '-': None, 'expired': '401', 'throttle': '429', 'timeout': 'slow',
           'commit-drop': 'drop', 'commit_then_drop': 'drop', 'garbled': 'malformed',
           'invalid_json': 'malformed', 'unexpected_shape': 'shape'}
DEFAULT_SLOW_SECONDS = 35.0


def parse_kind(word: str):
    """'ok' -> None, a kind or alias -> the kind; anything else raises ValueError."""
    token = str(word).strip().lower()
    if token in ALIASES:
        return ALIASES[token]
    if token in FAULT_KINDS or token in ITEM_FAULT_KINDS:
        return token
    raise ValueError(f'unknown fault kind {word!r}; use ok or one of {", ".join(FAULT_KINDS)}')


def parse_script(script) -> list:
    if script is None:
        return []
    words = script.split(',') if isinstance(script, str) else list(script)
    steps = [parse_kind(word) for word in words if str(word).strip()]
    if any(step in ITEM_FAULT_KINDS for step in steps):
        raise ValueError('item faults are rolled per batch item: give them a probability, not a script step')
    return steps


def parse_probabilities(probabilities) -> dict:
    """Accept {'500': 0.1} or ['500=0.1', ...]."""
    if not probabilities:
        return {}
    items = probabilities.items() if isinstance(probabilities, dict) else (
        entry.split('=', 1) for entry in probabilities)
    parsed = {}
    for kind, value in items:
        name = parse_kind(kind)
        if name is None:
            raise ValueError('a probability needs a fault kind, not ok')
        chance = float(value)
        if not 0.0 <= chance <= 1.0:
            raise ValueError(f'probability for {name} must be between 0 and 1')
        parsed[name] = chance
    return parsed


class FaultPlan:
    """Decides, per API call, whether to inject a fault. Thread-safe."""

    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._script = deque()
        self._probabilities = {}
        self.slow_seconds = DEFAULT_SLOW_SECONDS

    def configure(self, script=None, probabilities=None, seed=None, slow_seconds=None) -> None:
        """Replace the script and probabilities (None leaves that part unchanged)."""
        steps = parse_script(script) if script is not None else None
        chances = parse_probabilities(probabilities) if probabilities is not None else None
        with self._lock:
            if steps is not None:
                self._script = deque(steps)
            if chances is not None:
                self._probabilities = chances
            if seed is not None:
                self._seed = seed
                self._rng = random.Random(seed)
            if slow_seconds is not None:
                self.slow_seconds = float(slow_seconds)

    def clear(self) -> None:
        with self._lock:
            self._script.clear()
            self._probabilities = {}
            self._rng = random.Random(self._seed)

    def next_fault(self):
        with self._lock:
            if self._script:
                return self._script.popleft()
            for kind in FAULT_KINDS:
                chance = self._probabilities.get(kind, 0.0)
                if chance and self._rng.random() < chance:
                    return kind
            return None

    def next_item_fault(self):
        """'item' when this batch item must fail, else None (probability only)."""
        with self._lock:
            chance = self._probabilities.get('item', 0.0)
            if chance and self._rng.random() < chance:
                return 'item'
            return None

    def describe(self) -> dict:
        with self._lock:
            return {
                'script_remaining': [step or 'ok' for step in self._script],
                'probabilities': dict(self._probabilities),
                'seed': self._seed,
                'slow_seconds': self.slow_seconds,
            }
