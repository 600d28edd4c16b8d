"""A least-recently-used cache bounded in bytes, safe across threads: the page cache, the search
postings and the written iCalendar dates keep what each worker may hold with it."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class SizedLRU:
    """``size(value)`` bytes per entry, at most ``max_bytes`` in all; a value larger than
    ``largest`` (``max_bytes`` by default) is never kept — it would push out everything else."""

    def __init__(self, max_bytes: int, size: Callable[[object], int] = len, largest: int | None = None):
        self.max_bytes = max_bytes
        self.largest = max_bytes if largest is None else largest
        self.bytes = 0
        self._size = size
        self._items: OrderedDict = OrderedDict()  # key -> (value, size)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable):
        """The value, now the most recently used; None when absent."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value) -> None:
        size = self._size(value)
        if size > self.largest:
            return
        with self._lock:
            self._pop(key)
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                self._pop(next(iter(self._items)))

    def get_or_load(self, key: Hashable, load: Callable[[], object]):
        """The value, loaded (outside the lock) and kept when absent."""
        found = self.get(key)
        if found is None:
            found = load()
            self.put(key, found)
        return found

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._pop(key)

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        """Forget every entry whose key ``predicate`` accepts."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                self._pop(key)

    def _pop(self, key) -> None:
        found = self._items.pop(key, None)
        if found is not None:
            self.bytes -= found[1]
