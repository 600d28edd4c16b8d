"""Whatever is typed or put in the URL, the search answers with results or a friendly "no
result" — never a 500."""
import pytest

from csti.search import count, search, suggest

from .helpers import page_titles

HTMX = {"HX-Request": "true"}

QUERIES = [
    "title:(", "*", "?", "x" * 10_000, ("volcans " * 2_000), "le la les", "de du des", "l'", "AND OR NOT",
    '"volcans', "volcans)", "(((", "kind:actor", "body:*", "-", "+volcans", "volcans~2", "vol*", "[a TO z]",
    "a:b:c", "&|!<->", "'", "\\", "%", "_", "\x00volcans", "volcans\x00\x01", "\u200b", "🌋 volcans", "٣", "ǅ",
    "<script>alert(1)</script>", "{{ 7*7 }}", "%(q)s", " ", "\t\n",
]


@pytest.mark.parametrize("q", QUERIES, ids=range(len(QUERIES)))
def test_odd_queries_answer_normally(q, testapp, make_article, occitanie):
    make_article(occitanie, "Volcans d'Auvergne")
    page = testapp.get("/search", {"q": q})
    assert page.status_int == 200
    assert page_titles(page) in ([], ["Volcans d'Auvergne"])
    if not page_titles(page) and q.strip() and q.strip() != "\u200b":
        assert page.html.select_one(".no-result") is not None
    assert testapp.get("/search", {"q": q}, headers=HTMX).status_int == 200
    assert testapp.get("/search/suggest", {"q": q}, headers=HTMX).status_int == 200
    # and the service functions themselves
    search(q), suggest(q), count(q)


def test_the_words_still_count_around_odd_characters(testapp, make_article, occitanie):
    make_article(occitanie, "Volcans d'Auvergne")
    for q in ("volcans*", "\x00volcans", "🌋 volcans", '"volcans"', "+volcans", "volcans~2"):
        assert page_titles(testapp.get("/search", {"q": q})) == ["Volcans d'Auvergne"], q


def test_only_stop_words_find_nothing_but_say_so(testapp, make_article, occitanie):
    make_article(occitanie, "Le club de la science")
    page = testapp.get("/search", {"q": "le la de"})
    assert page_titles(page) == []
    assert page.html.select_one(".no-result") is not None
    assert page.html.select_one(".did-you-mean") is None


@pytest.mark.parametrize("args", [
    {"kind": "nothing"}, {"kind": "content"}, {"territory": "<script>"}, {"territory": "x" * 5000},
    {"tag": ""}, {"tag": "!!!"}, {"tag": ["a", "b", "c", "d", "e"]}, {"structure_kind": "spaceship"},
    {"upcoming": "maybe"}, {"page": "-3"}, {"page": "1e9"}, {"page": "99999999999999999999"},
    {"q": "volcans", "page": "0"}, {"q": ["volcans", "marées"]},
], ids=lambda a: "-".join(a))
def test_odd_parameters_answer_normally(args, testapp, make_article, occitanie):
    make_article(occitanie, "Volcans d'Auvergne")
    assert testapp.get("/search", args).status_int == 200
    assert testapp.get("/search", args, headers=HTMX).status_int == 200


def test_an_unknown_kind_is_ignored_rather_than_finding_nothing(testapp, make_article, occitanie):
    make_article(occitanie, "Volcans d'Auvergne")
    assert page_titles(testapp.get("/search", {"q": "volcans", "kind": "spaceship"})) == ["Volcans d'Auvergne"]
