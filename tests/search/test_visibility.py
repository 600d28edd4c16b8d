"""Only published content is found: drafts, items waiting for review, rejected and archived
items never appear — not in the results, the facets, the suggestions — not even for their
author or an administrator (they have their own lists). An item leaves the index as soon as it
stops being published or is deleted."""
import pytest

from csti.search import search

from .helpers import found, page_titles

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "archived"])
def test_unpublished_items_are_never_found(status, testapp, log_in, factory, make_article, make_actor, occitanie):
    author = factory.user()
    admin = factory.user(admin=True)
    make_article(occitanie, "Volcans cachés", status=status, author=author, tags=["secret"])
    make_actor(occitanie, "Volcans invisibles", status=status, author=author)
    make_article(occitanie, "Volcans publiés")
    results = search("volcans")
    assert found(results) == ["Volcans publiés"]
    assert results.facets["tags"] == {} and results.facets["kind"] == {"article": 1}
    for user in (None, author, admin):
        if user:
            log_in(testapp, user)
        assert page_titles(testapp.get("/search", {"q": "volcans"})) == ["Volcans publiés"]
        suggestions = testapp.get("/search/suggest", {"q": "volc"}, headers=HTMX)
        assert [a.get_text(strip=True) for a in suggestions.html.select("li a")][:-1] == ["Volcans publiés"]
        assert page_titles(testapp.get("/search", {"tag": "secret"})) == []


def test_an_item_leaves_the_index_when_rejected_archived_or_deleted(db, make_article, occitanie):
    rejected = make_article(occitanie, "Marées rejetées")
    archived = make_article(occitanie, "Marées archivées")
    deleted = make_article(occitanie, "Marées supprimées")
    kept = make_article(occitanie, "Marées gardées")
    assert search("marées").total == 4
    rejected.reject("Hors sujet")
    archived.archive()
    db.session.delete(deleted)
    db.session.commit()
    assert found(search("marées")) == [kept.title]


def test_a_publication_is_found_as_soon_as_it_is_published(db, make_article, occitanie):
    article = make_article(occitanie, "Comètes en vue", status="pending")
    assert search("comètes").total == 0
    article.publish()
    db.session.commit()
    assert found(search("comètes")) == ["Comètes en vue"]


def test_edits_replace_what_the_index_knows(db, make_article, occitanie):
    article = make_article(occitanie, "Ancien titre sur les volcans", tags=["geologie"])
    article.title = "Nouveau titre sur les marées"
    article.remove_tag("geologie")
    article.add_tag("Océan")
    db.session.commit()
    assert search("volcans").total == 0
    results = search("marées")
    assert found(results) == ["Nouveau titre sur les marées"]
    assert results.facets["tags"] == {"ocean": 1}


def test_the_page_leaves_out_an_item_unpublished_while_the_index_was_busy(
        testapp, db, search_backend, make_article, occitanie):
    article = make_article(occitanie, "Éclipse de lune")
    make_article(occitanie, "Éclipse de soleil")
    with search_backend.writer(timeout=0) as writer:  # another process holds the index
        assert writer is not None
        article.reject("doublon")
        db.session.commit()
    # The index still has it (its outbox row waits); the page checks the database.
    assert sorted(found(search("eclipse"))) == ["Éclipse de lune", "Éclipse de soleil"]
    assert page_titles(testapp.get("/search", {"q": "eclipse"})) == ["Éclipse de soleil"]
    suggestions = testapp.get("/search/suggest", {"q": "eclip"}, headers=HTMX)
    assert [a.get_text(strip=True) for a in suggestions.html.select("li a")][:-1] == ["Éclipse de soleil"]


def test_private_items_are_never_found_even_when_marked_published(db, factory, occitanie):
    from csti.models import Dossier

    owner = factory.user()
    secret = Dossier(title="Volcans : ma sélection secrète", territory=occitanie, author=owner, is_private=True)
    shared = Dossier(title="Volcans : sélection partagée", territory=occitanie, author=owner, is_private=False)
    for dossier in (secret, shared):
        dossier.publish()
        db.session.add(dossier)
    db.session.commit()
    assert found(search("sélection")) == ["Volcans : sélection partagée"]
    shared.is_private = True
    db.session.commit()
    assert search("sélection").total == 0
