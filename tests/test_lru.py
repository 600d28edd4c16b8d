"""The byte-bounded LRU behind the page cache, the search postings and the written iCalendar
dates: never more bytes than allowed, the least recently used out first."""
from csti.lru import SizedLRU


def test_keeps_within_its_bytes_and_drops_the_least_recently_used():
    cache = SizedLRU(10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # "a" is now the most recently used
    cache.put("c", b"cccc")  # 12 bytes: "b" goes
    assert cache.get("b") is None and cache.get("a") == b"aaaa" and cache.get("c") == b"cccc"
    assert cache.bytes == 8 and len(cache) == 2
    cache.put("a", b"a")  # replacing counts the new size only
    assert cache.bytes == 5


def test_a_value_larger_than_allowed_is_not_kept():
    cache = SizedLRU(100, largest=10)
    cache.put("small", b"x" * 10)
    cache.put("big", b"x" * 11)
    assert cache.get("big") is None and cache.get("small") is not None


def test_loads_once_and_forgets_on_request():
    cache = SizedLRU(100)
    loads = []
    for _ in range(3):
        assert cache.get_or_load(("seg1", "title"), lambda: loads.append(1) or b"postings") == b"postings"
    assert loads == [1]
    cache.put(("seg2", "title"), b"other")
    cache.discard_where(lambda key: key[0] == "seg1")
    assert cache.get(("seg1", "title")) is None and cache.get(("seg2", "title")) == b"other"
    assert cache.bytes == len(b"other")
