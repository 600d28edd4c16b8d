"""French as French should: accents and case ignored, stemming, short words kept, every word
required, and a title match ranking above a body match — on every backend."""
import pytest

from csti.search import search

from .helpers import found


@pytest.mark.parametrize("query", ["evenement", "évènement", "Événements", "EVENEMENTS", "événement"])
def test_accents_case_and_plural_meet(query, make_article, occitanie):
    make_article(occitanie, "Les Événements de la fête de la science")
    make_article(occitanie, "Une exposition sur les volcans")
    assert found(search(query)) == ["Les Événements de la fête de la science"]


def test_fablabs_finds_fablab(make_actor, occitanie):
    make_actor(occitanie, "FabLab de Toulouse", kind="fablab")
    make_actor(occitanie, "Muséum de Toulouse", kind="museum")
    assert found(search("fablabs")) == ["FabLab de Toulouse"]
    assert found(search("FABLAB")) == ["FabLab de Toulouse"]


def test_stemming_astronomie_finds_astronomique(make_article, occitanie):
    make_article(occitanie, "Soirée d'observation astronomique")
    make_article(occitanie, "Atelier de robotique")
    assert found(search("astronomie")) == ["Soirée d'observation astronomique"]


def test_short_words_such_as_ete_are_not_stop_words(make_article, occitanie):
    make_article(occitanie, "Un été au musée")
    make_article(occitanie, "Un hiver au musée")
    assert found(search("été")) == ["Un été au musée"]
    assert found(search("ete")) == ["Un été au musée"]


def test_every_word_is_required_and_function_words_are_not(make_article, make_actor, occitanie):
    make_actor(occitanie, "Club astronomie de Castres")
    make_article(occitanie, "Le club de lecture")
    make_article(occitanie, "Astronomie pour les petits")
    assert found(search("club d'astronomie")) == ["Club astronomie de Castres"]
    assert set(found(search("astronomie"))) == {"Club astronomie de Castres", "Astronomie pour les petits"}


def test_summary_body_and_tags_are_searched(make_article, make_event, occitanie):
    make_article(occitanie, "Premier", summary="Une visite du planétarium")
    make_article(occitanie, "Deuxième", body="Nous avons **observé** les *comètes* au télescope.")
    make_event(occitanie, "Troisième", tags=["Robotique éducative"])
    assert found(search("planetarium")) == ["Premier"]
    assert found(search("comete")) == ["Deuxième"]
    assert found(search("robotique")) == ["Troisième"]


def test_every_kind_is_found(make_actor, make_event, make_article, factory, occitanie):
    make_actor(occitanie, "Volcans structure")
    make_event(occitanie, "Volcans rencontre")
    make_article(occitanie, "Volcans article")
    factory.page(title="Volcans page")
    results = search("volcans")
    assert sorted(hit["kind"] for hit in results.hits) == ["actor", "article", "event", "page"]


def test_a_title_match_ranks_above_a_body_match(make_article, occitanie):
    # The body match is newer and says the word more often: the title still wins.
    make_article(occitanie, "Les météorites", body="Une conférence.")
    make_article(occitanie, "Conférence du jeudi",
                 body="On parlera de météorites, des météorites de Lune et encore de météorites.")
    assert found(search("météorite")) == ["Les météorites", "Conférence du jeudi"]


def test_a_summary_match_ranks_above_a_body_match(make_article, occitanie):
    make_article(occitanie, "Premier texte", body="Un mot sur la biodiversité, la biodiversité encore.")
    make_article(occitanie, "Second texte", summary="Biodiversité des mares")
    assert found(search("biodiversite")) == ["Second texte", "Premier texte"]


def test_more_matching_title_words_rank_higher(make_article, occitanie):
    make_article(occitanie, "Atelier", body="robots et volcans")
    make_article(occitanie, "Robots et volcans")
    assert found(search("robots volcans")) == ["Robots et volcans", "Atelier"]


def test_what_a_query_requires():
    from csti.search.base import query_words

    assert query_words("Le club d'ASTRONOMIE de l'été") == ["club", "astronomie", "ete"]
    assert query_words("title:( * ?") == ["title"]
    assert query_words("le la les") == []
    assert query_words("volcans volcans Volcans") == ["volcans"]
    assert len(query_words(" ".join(f"mot{n}" for n in range(50)))) == 12
    assert query_words("\x00robots\u200b") == ["robots"]


def test_upcoming_events_rank_above_past_ones(make_event, make_article, occitanie):
    """Issue #13: an event that is over ranks below an upcoming one, even with a better text
    score (here the word in its title and summary); the other kinds keep their order."""
    from .helpers import local_in

    make_event(occitanie, "Nuit des étoiles", summary="Nuit des étoiles au pic", start=local_in(-30))
    make_event(occitanie, "Soirée au planétarium", body="Pendant la nuit des étoiles.", start=local_in(5))
    make_article(occitanie, "Étoiles filantes", body="Les étoiles filantes.")
    make_article(occitanie, "Carnet", body="Une étoile.")
    titles = found(search("étoiles"))
    assert titles[-1] == "Nuit des étoiles" and titles.index("Soirée au planétarium") < 3
    assert titles.index("Étoiles filantes") < titles.index("Carnet")  # as before
    # Alone, the past event is found first: it is only its rank among the hits that changes.
    assert found(search("pic")) == ["Nuit des étoiles"]
