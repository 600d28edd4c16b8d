"""Resources are found by their audiences, as people name them in either language (issue #16)."""
from csti.models import Resource
from csti.search import search

from .helpers import found


def _resource(db, territory, title, audiences):
    resource = Resource(title=title, resource_kind="kit", territory=territory)
    resource.audiences = audiences
    resource.publish()
    db.session.add(resource)
    db.session.commit()
    return resource


def test_a_search_for_an_audience_finds_the_resources_for_it(db, occitanie):
    _resource(db, occitanie, "Mallette des étoiles", ["libraries", "primary_school"])
    _resource(db, occitanie, "Jeu des volcans", ["tourism"])
    assert found(search("bibliothèques")) == ["Mallette des étoiles"]
    assert found(search("libraries")) == ["Mallette des étoiles"]
    assert found(search("école élémentaire")) == ["Mallette des étoiles"]
    assert found(search("tourisme")) == ["Jeu des volcans"]


def test_changing_the_audiences_changes_what_finds_it(db, occitanie):
    resource = _resource(db, occitanie, "Mallette des étoiles", ["tourism"])
    assert found(search("bibliothèques")) == []
    resource.audiences = ["libraries"]
    db.session.commit()
    assert found(search("bibliothèques")) == ["Mallette des étoiles"]
    assert found(search("tourisme")) == []
