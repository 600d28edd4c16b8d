"""``listing.paginate``: a page found by its keys, then loaded — the pagination object every
list's template reads (items, total, pages, has_next)."""
from sqlalchemy import select

from csti.listing import MAX_PER_PAGE, first, paginate
from csti.models import Page


def _pages(factory, n):
    return [factory.page(title=f"Page {i}") for i in range(n)]


def test_a_page_of_rows_in_order_with_its_total(app, db, factory):
    made = _pages(factory, 5)
    stmt = select(Page).order_by(Page.id.desc())
    with app.test_request_context():
        page = paginate(stmt, Page.id, 2, 2)
        assert [p.id for p in page.items] == [made[2].id, made[1].id]
        assert (page.page, page.per_page, page.total, page.pages) == (2, 2, 5, 3)
        assert page.has_prev and page.has_next and page.next_num == 3
        assert list(page) == page.items
        assert [p.id for p in paginate(stmt, Page.id, 3, 2).items] == [made[0].id]
        beyond = paginate(stmt, Page.id, 9, 2)
        assert beyond.items == [] and beyond.total == 5 and not beyond.has_next
        assert paginate(stmt, Page.id, 1, 2, count=False).total is None
        assert [p.id for p in first(stmt, Page.id, 2)] == [made[4].id, made[3].id]


def test_the_total_counts_the_filtered_select(app, db, factory):
    _pages(factory, 3)
    factory.page(title="Brouillon", status="draft")
    with app.test_request_context():
        page = paginate(select(Page).where(Page.status == "published").order_by(Page.id), Page.id, 1, 10)
        assert page.total == 3 and len(page.items) == 3 and page.pages == 1


def test_per_page_is_bounded(app, db, factory):
    _pages(factory, 1)
    with app.test_request_context():
        assert paginate(select(Page).order_by(Page.id), Page.id, 1, 10_000).per_page == MAX_PER_PAGE


def test_no_override_of_flask_sqlalchemy_private_methods():
    """A subclass of a Flask-SQLAlchemy class defining ``_name`` methods breaks silently when
    the library changes its internals: use its public API (``db.paginate``, engine options,
    events) instead."""
    import ast
    from pathlib import Path

    found = []
    for path in (Path(__file__).resolve().parent.parent / "csti").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        library = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   and (node.module or "").startswith("flask_sqlalchemy") for alias in node.names}
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            if any(isinstance(base, ast.Name) and base.id in library for base in cls.bases):
                found += [f"{path.name}: {cls.name}.{f.name}" for f in cls.body
                          if isinstance(f, ast.FunctionDef) and f.name.startswith("_") and not f.name.endswith("__")]
    assert not found
