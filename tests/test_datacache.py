"""Figures kept until the data changes (csti/datacache.py, csti/listing.py ``count_of`` and
``rows_of``): keyed by the statement and its parameters' values, never served across a write."""
from sqlalchemy import func, select

from csti.listing import count_of, rows_of
from csti.models import Article


def _article(db, territory, title, kind):
    item = Article(title=title, territory=territory, body="x", article_kind=kind)
    item.publish()
    db.session.add(item)
    db.session.commit()


def test_counts_differ_by_parameter_and_follow_writes(app, db, factory):
    territory = factory.territory()
    _article(db, territory, "Une", "news")
    _article(db, territory, "Deux", "news")
    _article(db, territory, "Trois", "report")

    def of_kind(kind):
        return select(Article).where(Article.article_kind == kind)

    with app.test_request_context("/"):
        assert (count_of(of_kind("news")), count_of(of_kind("report")), count_of(of_kind("event"))) == (2, 1, 0)
        grouped = select(Article.article_kind, func.count(Article.id)).group_by(Article.article_kind)
        assert dict(rows_of(grouped)) == {"news": 2, "report": 1}
        kept = rows_of(grouped)
        kept.append(("mutated", 9))  # the caller's list: the kept rows stay as they were
        assert dict(rows_of(grouped)) == {"news": 2, "report": 1}
    _article(db, territory, "Quatre", "report")
    with app.test_request_context("/"):
        assert count_of(of_kind("report")) == 2
        assert dict(rows_of(grouped)) == {"news": 2, "report": 2}


def test_nothing_kept_when_turned_off(app, db, factory, monkeypatch):
    from csti.datacache import remember

    monkeypatch.setitem(app.config, "DATA_CACHE", False)
    calls = []
    with app.test_request_context("/"):
        for _ in range(3):
            remember("off", lambda: calls.append(1))
    assert len(calls) == 3


def test_a_flushed_write_not_yet_committed_is_never_kept(app, db, factory):
    """After a flush and before its commit, a value may see the uncommitted write: it is
    computed but not kept (a rollback would leave it kept under the version before)."""
    from csti.datacache import remember

    territory = factory.territory()
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with app.test_request_context("/"):
        assert remember("flushed", compute) == 1 and remember("flushed", compute) == 1
        db.session.add(Article(title="Pas encore validé", territory=territory, body="x"))
        db.session.flush()
        assert remember("flushed", compute) == 2 and remember("flushed", compute) == 3
        db.session.rollback()
        assert remember("flushed", compute) == 1  # the kept value, from before the write
