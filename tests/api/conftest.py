import pytest

from csti.models import Article, Dossier, Event

from .. import sample_site


@pytest.fixture
def site(db, factory):
    """The shared sample site (every listed type's sample, published, in Occitanie) and, beside
    it, what the API must never show: a draft event, a members-only article, a private dossier
    (``sample_site.build`` makes one), a pending article."""
    made = sample_site.build(factory)
    from csti.models import Territory

    occitanie = db.session.query(Territory).filter_by(slug="occitanie").one()
    draft = Event(title="Brouillon d'événement", territory=occitanie, status="draft")
    hidden = Article(title="Compte rendu réservé au groupe", territory=occitanie, members_only=True)
    hidden.publish()
    db.session.add_all([draft, hidden])
    db.session.commit()
    private = db.session.query(Dossier).filter_by(is_private=True).one()
    made["hidden"] = {"events": draft.id, "articles": hidden.id, "dossiers": private.id}
    pending = db.session.query(Article).filter_by(status="pending").one()
    made["pending_article"] = pending.id
    return made


@pytest.fixture(autouse=True)
def _own_search_index(app, tmp_path):
    """Each API test searches an empty Whoosh index of its own (as tests/search do): the app's
    index lives as long as the test session, and what earlier tests left in it (or a writer's lock)
    is no concern of these tests."""
    from csti.search import make_backend

    previous = app.extensions.get("csti_search"), app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"]
    app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"] = "whoosh", str(tmp_path / "search")
    app.extensions["csti_search"] = make_backend(app, "whoosh")
    yield
    app.extensions["csti_search"], app.config["SEARCH_BACKEND"], app.config["SEARCH_DIR"] = previous
    if app.extensions["csti_search"] is None:
        app.extensions.pop("csti_search")
