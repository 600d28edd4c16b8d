"""The search page: results with highlighted excerpts, facets in the form, "did you mean",
pagination, a URL that reproduces every state, the htmx fragment; the header's suggestions."""
from urllib.parse import parse_qs, urlsplit

from .helpers import local_in, page_titles

HTMX = {"HX-Request": "true"}


def test_the_header_has_a_debounced_search_box(testapp):
    page = testapp.get("/")
    box = page.html.select_one("form.header-search input[name=q]")
    assert box["hx-get"] == "/search/suggest"
    assert "delay:" in box["hx-trigger"]
    assert box["hx-target"] == "#search-suggestions"
    assert page.html.select_one("form.header-search")["action"] == "/search"


def test_results_page_lists_hits_with_highlighted_excerpts(testapp, make_article, occitanie):
    article = make_article(occitanie, "Nuit des étoiles", summary="Observer le ciel d'été",
                           body="Venez observer les **planètes** avec les astronomes du club.")
    make_article(occitanie, "Atelier cuisine")
    page = testapp.get("/search", {"q": "planete"})
    assert page.status_int == 200
    assert page_titles(page) == ["Nuit des étoiles"]
    assert page.html.select_one(".search-results h3 a")["href"] == f"/article/{article.id}-{article.slug}"
    excerpt = page.html.select_one(".search-results .excerpt")
    assert [m.get_text() for m in excerpt.select("mark")] == ["planètes"]
    assert page.html.select_one("#search-count").get_text(strip=True) == "1 résultat"


def test_excerpts_are_escaped(testapp, make_article, occitanie):
    make_article(occitanie, "Piège", body='Un texte avec &lt;script&gt;alert("x")&lt;/script&gt; et des volcans.')
    page = testapp.get("/search", {"q": "volcans"})
    excerpt = page.html.select_one(".search-results .excerpt")
    assert excerpt.select("script") == []
    assert "<script>" in excerpt.get_text()
    assert [m.get_text() for m in excerpt.select("mark")] == ["volcans"]


def test_did_you_mean_proposes_a_correction_that_finds_something(testapp, make_article, occitanie):
    make_article(occitanie, "Visite du planétarium")
    page = testapp.get("/search", {"q": "planetarim", "kind": "article"})
    assert page_titles(page) == []
    link = page.html.select_one(".did-you-mean a")
    assert link.get_text(strip=True) == "planetarium"
    args = parse_qs(urlsplit(link["href"]).query)
    assert args == {"q": ["planetarium"], "kind": ["article"]}  # the filters are kept
    assert page_titles(testapp.get(link["href"])) == ["Visite du planétarium"]


def test_no_did_you_mean_when_something_is_found_or_nothing_would_be(testapp, make_article, occitanie):
    make_article(occitanie, "Visite du planétarium")
    assert testapp.get("/search", {"q": "planetarium"}).html.select_one(".did-you-mean") is None
    # The correction would find nothing among the events: no proposal.
    assert testapp.get("/search", {"q": "planetarim", "kind": "event"}).html.select_one(".did-you-mean") is None
    assert testapp.get("/search", {"q": "zzzzqqq"}).html.select_one(".did-you-mean") is None


def test_pagination_keeps_the_words_and_filters(testapp, make_article, occitanie, bretagne):
    for n in range(23):
        make_article(occitanie, f"Biodiversité numéro {n:02d}")
    make_article(bretagne, "Biodiversité ailleurs")
    first = testapp.get("/search", {"q": "biodiversité", "territory": "occitanie"})
    assert len(page_titles(first)) == 20
    assert "1 sur 2" in first.html.select_one(".pagination [aria-current]").get_text()
    next_link = first.html.select_one(".pagination a[rel=next]")["href"]
    assert parse_qs(urlsplit(next_link).query) == {"q": ["biodiversité"], "territory": ["occitanie"], "page": ["2"]}
    second = testapp.get(next_link)
    assert len(page_titles(second)) == 3
    assert set(page_titles(first)).isdisjoint(page_titles(second))
    assert "Biodiversité ailleurs" not in page_titles(first) + page_titles(second)
    # Out of range or malformed pages land on a real page.
    assert page_titles(testapp.get("/search", {"q": "biodiversité", "territory": "occitanie", "page": "99"})) \
        == page_titles(second)
    assert page_titles(testapp.get("/search", {"q": "biodiversité", "territory": "occitanie", "page": "abc"})) \
        == page_titles(first)


def test_the_url_reproduces_the_state(testapp, make_event, make_actor, occitanie, bretagne):
    make_event(occitanie, "Atelier robotique", start=local_in(3), tags=["Jeunesse"])
    make_event(occitanie, "Atelier robotique passé", start=local_in(-3), tags=["Jeunesse"])
    make_event(bretagne, "Atelier robotique breton", start=local_in(3), tags=["Jeunesse"])
    make_actor(occitanie, "Atelier robotique fablab", kind="fablab", tags=["Jeunesse"])
    page = testapp.get("/search?q=atelier&kind=event&territory=occitanie&tag=jeunesse&upcoming=1")
    assert page_titles(page) == ["Atelier robotique"]
    form = page.forms["search-filters"]
    assert form["q"].value == "atelier"
    assert form["kind"].value == "event"
    assert form["territory"].value == "occitanie"
    assert form["upcoming"].checked
    assert [f.value for f in form.fields["tag"] if f.checked] == ["jeunesse"]
    # Submitting the form as it is gives the same page.
    assert page_titles(form.submit()) == ["Atelier robotique"]


def test_the_form_shows_facet_counts(testapp, make_actor, make_event, occitanie, bretagne):
    make_actor(occitanie, "Fablab des sciences", kind="fablab", tags=["Numérique"])
    make_actor(bretagne, "Musée des sciences", kind="museum")
    make_event(occitanie, "Fête des sciences", start=local_in(4))
    page = testapp.get("/search", {"q": "sciences"})
    html = page.html
    assert html.select_one("#search-kind option[value=actor]").get_text(strip=True) == "Structure (2)"
    assert html.select_one("#search-kind option[value=event]").get_text(strip=True) == "Événement (1)"
    assert html.select_one("#search-territory option[value=bretagne]").get_text(strip=True) == "Bretagne (1)"
    assert "(1)" in html.select_one("#search-structure-kind option[value=fablab]").get_text()
    assert html.select_one("label[for=search-upcoming]").get_text(" ", strip=True).endswith("(1)")
    assert html.select_one("label[for=search-tag-numerique]").get_text(" ", strip=True) == "Numérique (1)"
    fablabs = page.forms["search-filters"]
    fablabs["structure_kind"] = "fablab"
    assert page_titles(fablabs.submit()) == ["Fablab des sciences"]


def test_htmx_gets_the_results_block_only(testapp, make_article, occitanie):
    make_article(occitanie, "Nuit des étoiles")
    response = testapp.get("/search", {"q": "etoile"}, headers=HTMX)
    assert "<html" not in response.text
    assert response.html.select_one("div#search form#search-filters") is not None
    assert page_titles(response) == ["Nuit des étoiles"]
    assert "HX-Request" in response.headers["Vary"]
    full = testapp.get("/search", {"q": "etoile"})
    assert "<html" in full.text and page_titles(full) == ["Nuit des étoiles"]


def test_empty_search_page_invites_to_type(testapp):
    page = testapp.get("/search")
    assert page.status_int == 200
    assert page.html.select_one(".search-results") is None
    assert page.html.select_one("#search-count") is not None


def test_suggestions_as_one_types(testapp, make_actor, make_article, occitanie):
    actor = make_actor(occitanie, "Planétarium de Toulouse", kind="museum")
    make_article(occitanie, "Les planètes géantes")
    make_article(occitanie, "Atelier cuisine")
    make_article(occitanie, "Jardin de plantes")  # "plan…" by its stem, not by what is typed
    response = testapp.get("/search/suggest", {"q": "plané"}, headers=HTMX)
    assert "<html" not in response.text
    box = response.html.select_one("div#search-suggestions")
    titles = [a.get_text(strip=True) for a in box.select("li a")][:-1]
    assert sorted(titles) == ["Les planètes géantes", "Planétarium de Toulouse"]
    assert box.select_one(f'a[href="/actor/{actor.id}-{actor.slug}"]') is not None
    assert box.select("li a")[-1]["href"] == "/search?q=plan%C3%A9"  # all the results
    # An unfinished last word after a complete one
    response = testapp.get("/search/suggest", {"q": "toulouse plané"}, headers=HTMX)
    assert [a.get_text(strip=True) for a in response.html.select("li a")][:-1] == ["Planétarium de Toulouse"]
    # A finished word finds its other forms
    response = testapp.get("/search/suggest", {"q": "planetes"}, headers=HTMX)
    assert [a.get_text(strip=True) for a in response.html.select("li a")][:-1] == ["Les planètes géantes"]


def test_suggestions_need_two_characters_and_say_when_nothing_is_found(testapp, make_article, occitanie):
    make_article(occitanie, "Planètes")
    assert testapp.get("/search/suggest", {"q": "p"}, headers=HTMX).html.select("li") == []
    nothing = testapp.get("/search/suggest", {"q": "zzqqx"}, headers=HTMX)
    assert nothing.html.select("li") == []
    assert "zzqqx" in nothing.html.select_one("#search-suggestions").get_text()


def test_suggest_without_htmx_goes_to_the_search_page(testapp):
    response = testapp.get("/search/suggest", {"q": "volcans"})
    assert response.status_int in (302, 303)
    assert response.headers["Location"].endswith("/search?q=volcans")


def test_an_item_deleted_between_the_page_s_two_loads_is_left_out(testapp, make_article, occitanie, db):
    """What a concurrent delete leaves on PostgreSQL between the page's statements (the content
    row read, the type's own row gone): the page still answers, without that item."""
    from sqlalchemy import text

    gone = make_article(occitanie, "Planètes disparues", body="Les planètes du club.")
    make_article(occitanie, "Planètes restantes", body="D'autres planètes.")
    db.session.execute(text("DELETE FROM article WHERE id = :id"), {"id": gone.id})
    db.session.commit()
    page = testapp.get("/search", {"q": "planetes"})
    assert page.status_int == 200
    assert page_titles(page) == ["Planètes restantes"]
