"""Facets: kind, territory, tag, structure kind, upcoming events only — counted among the hits
and usable as filters, alone or together, with or without words."""
from csti.search import count, search

from .helpers import found, local_in


def test_kind_facet_counts_and_filters(make_actor, make_event, make_article, occitanie):
    make_actor(occitanie, "Volcans et séismes")
    make_event(occitanie, "Nuit des volcans")
    make_event(occitanie, "Volcans d'Auvergne")
    make_article(occitanie, "Un article sans rapport")
    results = search("volcans")
    assert results.total == 3
    assert results.facets["kind"] == {"actor": 1, "event": 2}
    assert sorted(found(search("volcans", {"kind": "event"}))) == ["Nuit des volcans", "Volcans d'Auvergne"]
    assert found(search("volcans", {"kind": "article"})) == []


def test_territory_facet_counts_and_filters(make_article, occitanie, bretagne):
    make_article(occitanie, "Marées et volcans")
    make_article(bretagne, "Marées de Bretagne")
    make_article(bretagne, "Les marées d'équinoxe")
    results = search("marée")
    assert results.facets["territory"] == {"occitanie": 1, "bretagne": 2}
    assert found(search("marée", {"territory": "occitanie"})) == ["Marées et volcans"]
    assert found(search("marée", {"territory": "nowhere"})) == []


def test_tag_facet_counts_and_filters_with_every_tag_required(make_article, make_event, occitanie):
    make_article(occitanie, "Robots au collège", tags=["Robotique", "Éducation"])
    make_event(occitanie, "Robots en fête", tags=["robotique"])
    make_article(occitanie, "Robots sans étiquette")
    results = search("robots")
    assert results.facets["tags"] == {"robotique": 2, "education": 1}
    assert sorted(found(search("robots", {"tags": ["robotique"]}))) == ["Robots au collège", "Robots en fête"]
    assert found(search("robots", {"tags": ["robotique", "education"]})) == ["Robots au collège"]


def test_structure_kind_facet_counts_structures_only(make_actor, make_event, occitanie):
    make_actor(occitanie, "Fablab des sciences", kind="fablab")
    make_actor(occitanie, "Musée des sciences", kind="museum")
    make_actor(occitanie, "Atelier des sciences", kind="fablab")
    make_event(occitanie, "Fête des sciences")
    results = search("sciences")
    assert results.facets["structure_kind"] == {"fablab": 2, "museum": 1}
    fablabs = search("sciences", {"structure_kind": "fablab"})
    assert sorted(found(fablabs)) == ["Atelier des sciences", "Fablab des sciences"]
    assert fablabs.facets["kind"] == {"actor": 2}  # the event is not a fablab


def test_upcoming_events_only(make_event, make_article, occitanie):
    make_event(occitanie, "Conférence passée", start=local_in(-20))
    make_event(occitanie, "Conférence à venir", start=local_in(5))
    make_event(occitanie, "Conférence de demain", start=local_in(1))
    make_article(occitanie, "Compte rendu de conférence")
    results = search("conférence")
    assert results.total == 4
    assert results.facets["upcoming"] == 2
    upcoming = search("conférence", {"upcoming": True})
    assert sorted(found(upcoming)) == ["Conférence de demain", "Conférence à venir"]
    assert upcoming.facets["kind"] == {"event": 2}


def test_an_event_under_way_is_still_upcoming(make_event, occitanie):
    # Started yesterday, lasts three days: not over yet.
    make_event(occitanie, "Exposition en cours", start=local_in(-1), hours=72)
    make_event(occitanie, "Exposition terminée", start=local_in(-10), hours=3)
    assert found(search("exposition", {"upcoming": True})) == ["Exposition en cours"]


def test_filters_combine(make_actor, make_event, occitanie, bretagne):
    make_event(occitanie, "Atelier robotique", start=local_in(3), tags=["jeunesse"])
    make_event(bretagne, "Atelier robotique breton", start=local_in(3), tags=["jeunesse"])
    make_event(occitanie, "Atelier robotique ancien", start=local_in(-30), tags=["jeunesse"])
    make_event(occitanie, "Atelier robotique adulte", start=local_in(3))
    make_actor(occitanie, "Atelier robotique de quartier", tags=["jeunesse"])
    results = search("atelier", {"territory": "occitanie", "tags": ["jeunesse"], "upcoming": True})
    assert found(results) == ["Atelier robotique"]


def test_facets_alone_list_the_newest_first(make_article, make_event, occitanie, bretagne):
    make_article(occitanie, "Ancien")
    make_article(occitanie, "Récent")
    make_article(bretagne, "Ailleurs")
    make_event(occitanie, "Un événement")
    results = search("", {"territory": "occitanie", "kind": "article"})
    assert found(results) == ["Récent", "Ancien"]
    assert results.facets["kind"] == {"article": 2}


def test_facets_count_the_matching_items_only(make_article, occitanie, bretagne):
    make_article(occitanie, "Volcans", tags=["geologie"])
    make_article(bretagne, "Marées", tags=["ocean"])
    results = search("volcans")
    assert results.facets["territory"] == {"occitanie": 1}
    assert results.facets["tags"] == {"geologie": 1}


def test_count_agrees_with_search(make_article, occitanie, bretagne):
    for n in range(3):
        make_article(occitanie, f"Biodiversité {n}")
    make_article(bretagne, "Biodiversité bretonne")
    assert count("biodiversité") == search("biodiversité").total == 4
    assert count("biodiversité", {"territory": "bretagne"}) == 1
    assert count("le la les") == 0
