"""The embedded Whoosh backend.

- One index directory per build under ``CSTI_SEARCH_DIR``; the file ``CURRENT`` names the one
  in use, replaced atomically by a reindex, so searches keep answering from the old index while
  the new one is built.
- Writers take the lock with a short timeout: a busy index never fails a request — the outbox
  rows simply wait for the next drain. Never AsyncWriter (a killed worker would lose its writes).
- One searcher per process, refreshed (cheap when nothing changed) rather than reopened.
"""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.index import LockError
from whoosh.qparser import MultifieldParser, OrGroup, WildcardPlugin
from whoosh.query import And, Every, Term

from .schema import build_schema

SEARCH_FIELDS = ["title", "summary", "body"]
MAX_QUERY = 200


@dataclass
class SearchResults:
    total: int = 0
    hits: list = field(default_factory=list)  # [{"id", "kind", "title", "excerpt", "data"}]
    facets: dict = field(default_factory=dict)  # {"kind": {value: count}, "territory": {...}}
    suggestion: str | None = None
    page: int = 1
    pages: int = 1


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root: str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._searcher = None
        self._current = None
        self.schema = build_schema()

    # --- directories ------------------------------------------------------------------------
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_dir(self) -> Path:
        pointer = self._pointer()
        if pointer.exists():
            return self.root / pointer.read_text().strip()
        return self._new_dir(make_current=True)

    def _new_dir(self, make_current=False) -> Path:
        name = f"index-{uuid.uuid4().hex[:8]}"
        path = self.root / name
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), build_schema())
        if make_current:
            self._switch(name)
        return path

    def _switch(self, name: str) -> None:
        tmp = self.root / f".CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self._pointer())

    def _open(self, path: Path | None = None):
        return whoosh_index.open_dir(str(path or self.current_dir()))

    # --- writing -----------------------------------------------------------------------------
    def apply(self, documents: list[dict], deleted_ids: list[int], timeout: float = 0.5) -> bool:
        """Write ``documents`` (update by id) and delete ``deleted_ids``. False when the index
        is locked by another writer (nothing written: try again later)."""
        if not documents and not deleted_ids:
            return True
        ix = self._open()
        try:
            writer = ix.writer(timeout=timeout)
        except LockError:
            return False
        try:
            for content_id in deleted_ids:
                writer.delete_by_term("id", str(content_id))
            for doc in documents:
                writer.update_document(**doc)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return True

    def rebuild(self, documents_iter) -> int:
        """Build a fresh index from ``documents_iter`` and swap it in atomically."""
        path = self._new_dir()
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=128, procs=1)
        count = 0
        for doc in documents_iter:
            writer.add_document(**doc)
            count += 1
        writer.commit(optimize=True)
        old = self.current_dir() if self._pointer().exists() else None
        self._switch(path.name)
        if old is not None and old != path:
            shutil.rmtree(old, ignore_errors=True)
        return count

    def all_ids(self) -> set[int]:
        with self._open().searcher() as searcher:
            return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    # --- searching ---------------------------------------------------------------------------
    def _get_searcher(self):
        with self._lock:
            path = self.current_dir()
            if self._searcher is None or self._current != path:
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = self._open(path).searcher()
                self._current = path
            else:
                self._searcher = self._searcher.refresh()
            return self._searcher

    def parse(self, text: str):
        parser = MultifieldParser(SEARCH_FIELDS, schema=self.schema, group=OrGroup.factory(0.9))
        parser.remove_plugin_class(WildcardPlugin)  # "*" would expand to every term
        text = " ".join((text or "").split())[:MAX_QUERY]
        try:
            return parser.parse(text)
        except Exception:  # noqa: BLE001 — any syntax Whoosh cannot read: search the words
            cleaned = "".join(c if c.isalnum() or c.isspace() else " " for c in text)
            return parser.parse(cleaned)

    def search(self, text: str, filters: dict | None = None, page: int = 1, pagelen: int = 20) -> SearchResults:
        filters = filters or {}
        query = self.parse(text) if text.strip() else Every()
        searcher = self._get_searcher()
        restrict = []
        for name in ("kind", "territory", "subkind"):
            if filters.get(name):
                restrict.append(Term(name, filters[name]))
        for tag in filters.get("tags", []):
            restrict.append(Term("tags", tag))
        final = And([query] + restrict) if restrict else query
        facets = sorting.Facets()
        facets.add_field("kind")
        facets.add_field("territory")
        page = max(1, page)
        results = searcher.search_page(final, page, pagelen=pagelen, groupedby=facets, terms=True)
        results.results.fragmenter = ContextFragmenter(maxchars=160, surround=60)
        results.results.formatter = HtmlFormatter(tagname="mark", between=" … ")
        out = SearchResults(total=len(results), page=results.pagenum, pages=results.pagecount)
        for hit in results:
            stored = hit.fields()
            data = stored.get("data") or {}
            text_for_excerpt = data.get("excerpt", "")
            excerpt = ""
            if text_for_excerpt:
                excerpt = hit.highlights("body", text=text_for_excerpt) or hit.highlights(
                    "summary", text=text_for_excerpt)
            out.hits.append({"id": int(stored["id"]), "kind": stored.get("kind"), "title": stored.get("title"),
                             "territory": stored.get("territory"), "excerpt": excerpt, "data": data})
        for name in ("kind", "territory"):
            groups = results.results.groups(name)
            out.facets[name] = {key: len(ids) for key, ids in groups.items()}
        if text.strip() and out.total == 0:
            corrected = searcher.correct_query(self.parse(text), text)
            if corrected.query != self.parse(text):
                out.suggestion = corrected.string
        return out

    def suggest_titles(self, prefix: str, limit: int = 8) -> list[dict]:
        return self.search(prefix, pagelen=limit).hits[:limit]
