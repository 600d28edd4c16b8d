"""`flask csti reindex` rebuilds the index from the database and swaps it in atomically
(searches keep answering from the old one meanwhile, changes made meanwhile are not lost);
`flask csti search-check` reports any difference between the index and the database."""
import pytest
from sqlalchemy.orm import Session

import csti.search
from csti.models import Article
from csti.search import check, search
from csti.search.documents import document, fingerprint

from .helpers import found


def phantom(item, **changes):
    """An index document for ``item`` with ``changes``: what a stale index might hold."""
    doc = document(item)
    doc.update(changes)
    doc["fingerprint"] = fingerprint(doc)
    return doc


def damage(db, backend, make_article, territory):
    """An index that lost one item, kept one that is gone and holds an old version of a third."""
    lost = make_article(territory, "Volcans oubliés")
    renamed = make_article(territory, "Volcans renommés")
    backend.delete([lost.id])
    backend.index([phantom(renamed, id=99_999, title="Volcans fantômes")])
    renamed.title = "Marées renommées"
    db.session.commit()
    backend.index([phantom(renamed, title="Volcans d'avant")])
    return lost, renamed


def test_search_check_reports_nothing_on_an_exact_index(runner, make_article, make_event, occitanie):
    make_article(occitanie, "Volcans")
    make_event(occitanie, "Marées")
    result = runner.invoke(args=["csti", "search-check"])
    assert result.exit_code == 0, result.output
    assert "missing 0, extra 0, out of date 0" in result.output


def test_search_check_reports_every_difference(runner, db, search_backend, make_article, occitanie):
    lost, renamed = damage(db, search_backend, make_article, occitanie)
    assert check() == {"missing": [lost.id], "extra": [99_999], "stale": [renamed.id]}
    result = runner.invoke(args=["csti", "search-check"])
    assert result.exit_code == 1
    assert "missing 1, extra 1, out of date 1" in result.output
    assert f"missing from the index: {lost.id}" in result.output
    assert "in the index but not published: 99999" in result.output
    assert f"out of date in the index: {renamed.id}" in result.output


def test_search_check_first_applies_what_waits_in_the_outbox(app, runner, db, make_article, occitanie):
    app.config["SEARCH_DRAIN_ON_COMMIT"] = False
    try:
        make_article(occitanie, "Volcans")
    finally:
        app.config["SEARCH_DRAIN_ON_COMMIT"] = True
    result = runner.invoke(args=["csti", "search-check"])
    assert result.exit_code == 0, result.output
    assert found(search("volcans")) == ["Volcans"]


def test_reindex_rebuilds_everything_from_the_database(runner, db, search_backend, make_article, make_actor,
                                                       occitanie):
    lost, renamed = damage(db, search_backend, make_article, occitanie)
    make_actor(occitanie, "Club des volcans", status="draft")
    result = runner.invoke(args=["csti", "reindex"])
    assert result.exit_code == 0, result.output
    assert ": 2 documents" in result.output
    assert check() == {"missing": [], "extra": [], "stale": []}
    assert found(search("volcans")) == ["Volcans oubliés"]
    assert found(search("marées")) == ["Marées renommées"]


def test_searches_keep_answering_during_a_reindex(runner, db, monkeypatch, testapp, search_backend, make_article,
                                                  occitanie):
    lost, renamed = damage(db, search_backend, make_article, occitanie)
    for n in range(3):
        make_article(occitanie, f"Comètes {n}")
    seen = {}
    real_document = csti.search.document

    def document_and_look_around(item):
        if not seen:
            # Half-way through the rebuild: the site still answers, from the old index…
            page = testapp.get("/search", {"q": "volcans"})
            seen["status"] = page.status_int
            seen["titles"] = [a.get_text(strip=True) for a in page.html.select(".search-results h3 a")]
            seen["during"] = sorted(found(search("volcans")))
            # …and someone publishes (the index is locked: the change waits in the outbox).
            with Session(db.engine) as other:
                article = Article(title="Volcans publiés pendant la reconstruction", territory_id=occitanie.id)
                article.publish()
                other.add(article)
                other.commit()
        return real_document(item)

    monkeypatch.setattr(csti.search, "document", document_and_look_around)
    result = runner.invoke(args=["csti", "reindex"])
    assert result.exit_code == 0, result.output
    assert seen["status"] == 200
    assert seen["during"] == ["Volcans d'avant", "Volcans fantômes"]  # the old index, as it was
    # The page lists the old index's hits that are still published, under their current title.
    assert seen["titles"] == ["Marées renommées"]
    monkeypatch.undo()
    assert sorted(found(search("volcans"))) == ["Volcans oubliés", "Volcans publiés pendant la reconstruction"]
    assert check() == {"missing": [], "extra": [], "stale": []}


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)
def test_whoosh_reindex_swaps_directories_and_keeps_one_previous_build(runner, search_backend, make_article,
                                                                      occitanie):
    make_article(occitanie, "Volcans")
    builds = []
    for _ in range(3):
        assert runner.invoke(args=["csti", "reindex"]).exit_code == 0
        builds.append(search_backend.current_dir())
    assert len(set(builds)) == 3
    remaining = sorted(p.name for p in search_backend.root.glob("index-*"))
    assert remaining == sorted([builds[-1].name, builds[-2].name])
    assert found(search("volcans")) == ["Volcans"]


@pytest.mark.parametrize("search_backend", ["whoosh"], indirect=True)
def test_whoosh_index_of_another_schema_is_set_aside(app, search_backend, make_article, occitanie):
    make_article(occitanie, "Volcans")
    old = search_backend.root / "index-0123abcd"  # a build of the first schema
    old.mkdir()
    (search_backend.root / "CURRENT").write_text(old.name)
    assert search("volcans").total == 0  # a fresh, empty index: reindex fills it
    assert search_backend.current_dir().name.startswith("index-v")
    assert csti.search.reindex() == 1
    assert found(search("volcans")) == ["Volcans"]
