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
