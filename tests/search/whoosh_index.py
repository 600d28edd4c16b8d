"""A random Whoosh index of several segments, with updates and deletions (the array engine and
the thread tests search it)."""
import random
from datetime import datetime, timedelta

from csti.search.base import now_utc
from csti.search.documents import fingerprint
from csti.search.whoosh_backend import WhooshBackend

WORDS = ("astronomie astronomique atelier ateliers robotique robot exposition climat volcan musée fablab "
         "science sciences étoile étoiles planète océan énergie été nuit observation club").split()
TERRITORIES = ("occitanie", "bretagne", "corse")
KINDS = ("article", "event", "actor", "announcement")
TAGS = ("astronomie", "robotique", "climat", "jeunesse", "numerique")
NOW = now_utc()


def _text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def random_doc(rng, id_):
    kind = KINDS[id_ % len(KINDS)]
    tags = sorted(rng.sample(TAGS, rng.randint(0, 3)))
    title, summary, body = _text(rng, rng.randint(1, 6)), _text(rng, rng.randint(0, 12)), _text(rng, rng.randint(0, 80))
    ends = NOW + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 30)) if kind == "event" else None
    doc = {
        "id": id_, "kind": kind, "status": "published", "territory": rng.choice(TERRITORIES + ("",)),
        "tags": tags, "tag_text": " ".join(tags), "subkind": rng.choice(("fablab", "museum", "lab")),
        "title": title, "summary": summary, "body": body, "excerpt": f"{summary} {body}"[:600],
        "words": sorted(set(f"{title} {summary}".split())),
        "published": datetime(2026, 1, 1) + timedelta(hours=rng.randint(0, 5000)),
        "starts": ends - timedelta(hours=2) if ends else None, "ends": ends, "data": {"slug": f"item-{id_}"},
    }
    doc["fingerprint"] = fingerprint(doc)
    return doc


def build_index(path) -> tuple[WhooshBackend, dict]:
    """A Whoosh backend over four segments (a rebuild, then three smaller writes), with updates
    and deletions, and the documents it holds by id."""
    rng = random.Random(20261125)
    backend = WhooshBackend(str(path), cache_mb=1)
    docs = {i: random_doc(rng, i) for i in range(1, 401)}
    with backend.writer(timeout=5) as writer:
        writer.replace_all(list(docs.values()))
    for start in (401, 481, 561):
        batch = {i: random_doc(rng, i) for i in range(start, start + 80)}
        updated = {i: random_doc(rng, i) for i in rng.sample(sorted(docs), 25)}  # new versions of old ones
        deleted = rng.sample(sorted(set(docs) - set(updated)), 10)
        docs.update(batch)
        docs.update(updated)
        for i in deleted:
            del docs[i]
        with backend.writer(timeout=5, quick=True) as writer:
            writer.delete(deleted)
            writer.index(list(batch.values()) + list(updated.values()))
    searcher = backend._get_searcher()
    assert len(list(searcher.reader().leaf_readers())) > 1
    assert any(leaf.has_deletions() for leaf, _ in searcher.reader().leaf_readers())
    return backend, docs
