"""Cards and agenda lines kept as HTML until the data changes (csti/fragments.py,
docs/architecture.md §26): a kept fragment is shown again — a marker written into the kept
HTML shows on the next page — until a write, in its language and under its site root only;
what a card's caller adds — a search hit's excerpt too — is drawn each time around the kept
card; cards with a curator's view are never kept."""
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import request
from sqlalchemy import select
from webtest import TestApp
from werkzeug.datastructures import MultiDict

from csti import fragments, listing
from csti.blueprints.events.agenda import EventFilter
from csti.blueprints.events.schedule import schedule
from csti.models import Actor, Article, Dossier, DossierPartner, Event, EventOccurrence
from csti.models.events import CardDate
from tests.statements import statements

MARKER = "Gardé en mémoire"


@pytest.fixture
def cache(app):
    fragments.clear(app)
    yield app.extensions["csti_fragments"]
    fragments.clear(app)


@pytest.fixture
def article(db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    item = Article(title="Les comètes de Zélie", territory=territory, article_kind="news",
                   summary="Une nuit d'observation.")
    item.publish()
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def event(db, factory):
    territory = factory.territory(slug="bretagne", name="Bretagne")
    item = Event(title="Nuit des étoiles filantes", territory=territory, event_kind="talk", summary="Au phare.")
    start = datetime.combine(date.today() + timedelta(days=10), time(21, 0))
    schedule(item, start, start + timedelta(hours=2))
    item.publish()
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def rendering():
    """A fragment's render function and the list of its calls."""
    calls = []

    def render():
        calls.append(1)
        return "<li>carte</li>"

    return render, calls


def _page(app, path="/"):
    """A request's context in which the data version is read first, as a page's is
    (``fragments._version_first``, a ``before_request``; PostgreSQL only)."""
    context = app.test_request_context(path)

    class Page:
        def __enter__(self):
            context.__enter__()
            fragments._version_first()

        def __exit__(self, *exc):
            return context.__exit__(*exc)

    return Page()


def _keys(cache, kind):
    return [key for key in list(cache._items) if key[0][0] == kind]


def _mark(cache, key, title):
    version, expires, html = cache.get(key)
    assert title in html
    cache.put(key, (version, expires, html.replace(title, MARKER)))


def test_a_card_is_kept_until_the_data_changes(db, testapp, cache, article):
    assert article.title in testapp.get("/articles").text
    [key] = [k for k in _keys(cache, "card") if k[0][1:3] == ("article", article.id)]
    _mark(cache, key, article.title)
    page = testapp.get("/articles").text
    assert MARKER in page and article.title not in page  # the kept HTML, not rendered again

    article.title = "Les comètes de Zélie, deuxième nuit"
    db.session.commit()  # a write: DataVersion moves on
    page = testapp.get("/articles").text
    assert "deuxième nuit" in page and MARKER not in page


def test_a_card_is_kept_per_language_and_site_root(db, testapp, testapp_en, cache, article):
    testapp.get("/articles")
    [key] = [k for k in _keys(cache, "card") if k[0][1:3] == ("article", article.id)]
    assert key[1:] == ("fr", "")
    _mark(cache, key, article.title)
    assert MARKER in testapp.get("/articles").text
    assert MARKER not in testapp_en.get("/articles").text  # English: its own fragment
    # Under another root (a site served at /csti): its links are the root's, not the kept ones.
    page = testapp.get("/articles", extra_environ={"SCRIPT_NAME": "/csti"}).text
    assert MARKER not in page
    assert f'href="/csti/article/{article.id}-' in page


def _loads_articles(statement):
    return statement.startswith("SELECT article.id, content.id") and "content.title" in statement


def test_a_list_whose_cards_are_kept_loads_none_of_its_items(db, factory, testapp, cache, article):
    other = Article(title="Éclipse au Pic du Midi", territory=article.territory, article_kind="news")
    other.publish()
    db.session.add(other)
    db.session.commit()
    assert article.title in testapp.get("/articles").text  # the cards rendered and kept
    with statements(db.engine) as seen:
        page = testapp.get("/articles").text
    assert article.title in page and other.title in page
    # Their ids were read, and their number; not their rows (titles, summaries, pictures…).
    assert not [s for s in seen if _loads_articles(s)], seen
    article.title = "Les comètes de Zélie, deuxième nuit"
    db.session.commit()
    with statements(db.engine) as seen:
        page = testapp.get("/articles").text
    assert "deuxième nuit" in page and other.title in page
    assert len([s for s in seen if _loads_articles(s)]) == 1  # both at once, when the first card was drawn


def test_a_tag_page_whose_cards_are_kept_loads_none_of_its_items(db, testapp, cache, article, event):
    for item in (article, event):
        item.add_tag("astronomie")
    db.session.commit()
    assert article.title in testapp.get("/tags/astronomie").text
    with statements(db.engine) as seen:
        page = testapp.get("/tags/astronomie").text
    assert article.title in page and event.title in page
    # The kinds, and the event's date its card shows; no row of either.
    assert not [s for s in seen if "content.title" in s], seen
    event.title = "Nuit des étoiles, reportée"
    db.session.commit()
    with statements(db.engine) as seen:
        assert "reportée" in testapp.get("/tags/astronomie").text
    # The page's kinds read once: by the stand-ins, then reused to load the cards by kind.
    assert len([s for s in seen if s.startswith("SELECT content.id, content.kind")]) == 1, seen


def test_a_partner_page_whose_guides_are_kept_loads_none_of_them(db, factory, testapp, cache, article):
    """A partner's guides (public dossiers flagged for it) show as kept cards: once kept, the
    page reads their ids, not their rows; a guide changed since shows its new title."""
    author = factory.user(email="guide@example.org")
    guides = []
    for title in ("Guide des expositions en médiathèque", "Guide des mallettes"):
        guide = Dossier(title=title, territory=article.territory, author=author, summary="Pour les bibliothèques.")
        guide.publish()
        guide.partner_rows = [DossierPartner(code="libraries")]
        db.session.add(guide)
        guides.append(guide)
    db.session.commit()
    assert guides[0].title in testapp.get("/partners/libraries").text  # the cards rendered and kept
    with statements(db.engine) as seen:
        page = testapp.get("/partners/libraries").text
    assert guides[0].title in page and guides[1].title in page
    assert not [s for s in seen if s.startswith("SELECT dossier.id, content.id")], seen  # the cards' loader
    guides[1].title = "Guide des mallettes, deuxième édition"
    db.session.commit()
    assert "deuxième édition" in testapp.get("/partners/libraries").text


@pytest.mark.parametrize("path, model", [("/articles", Article), ("/actors", Actor), ("/tags/astronomie", None)])
def test_a_list_s_page_of_keys_is_kept_until_the_data_changes(db, testapp, cache, article, path, model):
    """A list's page finds its items' keys once (``listing.paginate(kept_keys=True)``), like its
    count: a walk testing row by row (the kits among the resources in title order) is paid by
    the first visit after a write, not by every visit. A write shows the new item."""
    article.add_tag("astronomie")
    museum = Actor(title="Muséum de Toulouse", territory=article.territory, actor_kind="museum")
    museum.publish()
    db.session.add(museum)
    db.session.commit()
    table = model.__table__.name if model else "content"
    pattern = re.compile(rf"^SELECT {table}\.id\s+FROM .* LIMIT", re.S)

    def keys(statement):  # the page's keys read (not the Pagination's select of no row)
        return pattern.match(statement) and not re.search(r"WHERE (0 = 1|false)\s", statement)

    testapp.get(path)
    with statements(db.engine) as seen:
        page = testapp.get(path).text
    assert (museum.title if model is Actor else article.title) in page
    assert not [s for s in seen if keys(s)], seen
    newer = (Actor(title="Abbaye-école de Sorèze", territory=article.territory, actor_kind="museum") if model is Actor
             else Article(title="Aurores boréales en Ariège", territory=article.territory, article_kind="news"))
    newer.publish()
    if model is None:
        newer.add_tag("astronomie")
    db.session.add(newer)
    db.session.commit()
    with statements(db.engine) as seen:
        assert newer.title in testapp.get(path).text
    assert len([s for s in seen if keys(s)]) == 1, seen
    # Past the first pages (listing.KEPT_PAGES), each visit reads its keys: a crawler walking a
    # list's pages does not push the kept counts and facets out of the data cache.
    deep = f"{path}?page={listing.KEPT_PAGES + 1}"
    testapp.get(deep)
    with statements(db.engine) as seen:
        testapp.get(deep)
    assert len([s for s in seen if keys(s)]) == 1, seen


def test_a_deferred_item_is_loaded_with_its_page_when_read(app, db, factory, cache, article, event):
    second = Article(title="Éclipse au Pic du Midi", territory=article.territory, article_kind="news",
                     summary="Le 12 août.")
    second.publish()
    db.session.add(second)
    db.session.commit()
    stmt = select(Article).where(Article.id.in_([article.id, second.id])).order_by(Article.id)
    undated = Event(title="Date à venir", territory=event.territory, event_kind="talk")
    undated.publish()
    db.session.add(undated)
    db.session.commit()
    known = {"article": (article.id, article.title), "event": (event.id, event.title),
             "starts": event.occurrences[0].starts_at}
    with _page(app, "/articles"):
        db.session.expunge_all()
        page = listing.paginate(stmt, Article.id, 1, 20, count=False,
                                loader=listing.card_loader(Article), kept_cards=True)
        first, last = page.items
        with statements(db.engine) as seen:
            assert (first.id, first.kind, first.card_span) == (known["article"][0], "article", None)
            assert isinstance(first, Article) and not isinstance(first, Event)
        assert seen == []
        with statements(db.engine) as seen:
            assert first.title == "Les comètes de Zélie" and last.summary == "Le 12 août."
            assert first == db.session.get(Article, known["article"][0]) and first != last
        assert len([s for s in seen if "FROM content JOIN article" in s]) == 1, seen  # the page's items at once
        # An event's card shows its next date: read for the page's events at once, with no row.
        with statements(db.engine) as seen:
            events = listing.paginate(select(Event).where(Event.id == known["event"][0]), Event.id, 1, 20, count=False,
                                      loader=listing.card_loader(Event), kept_cards=True)
            [deferred] = events.items
            assert isinstance(deferred, Event) and deferred.card_span.starts_at == known["starts"]
        assert not [s for s in seen if "event.venue_id" in s], seen  # no event row read
        # One without a date shows its own row's: the page is loaded as it was.
        events = listing.paginate(select(Event).order_by(Event.id), Event.id, 1, 20, count=False,
                                  loader=listing.card_loader(Event), kept_cards=True)
        assert [type(item) for item in events.items] == [Event, Event]
        # A page of every kind (a tag's) finds their kinds first.
        ids = [known["article"][0], known["event"][0]]
        mixed = listing.paginate(select(listing.Content).where(listing.Content.id.in_(ids)),
                                 listing.Content.id, 1, 20, count=False, loader=listing.card_loader(listing.Content),
                                 kept_cards=True)
        assert sorted((item.kind, type(item)) for item in mixed.items) == [
            ("article", listing.Deferred), ("event", listing.Deferred)]
        assert {item.title for item in mixed.items} == {known["article"][1], known["event"][1]}
        actors = listing.paginate(select(Actor), Actor.id, 1, 20, count=False, loader=listing.card_loader(Actor),
                                  kept_cards=True)
        assert all(type(item) is listing.Deferred for item in actors.items)
        app.config["DATA_CACHE"] = False
        try:
            again = listing.paginate(stmt, Article.id, 1, 20, count=False, loader=listing.card_loader(Article),
                                     kept_cards=True)
        finally:
            app.config["DATA_CACHE"] = True
        assert [type(item) for item in again.items] == [Article, Article]


def test_an_item_gone_since_its_key_was_read_is_left_out_and_nothing_kept(app, db, cache, article):
    # On PostgreSQL a delete may commit between the page's ids and its first card not kept yet.
    with _page(app, "/articles"):
        gone, there = listing.Deferred.page([999_999, article.id], listing.card_loader(Article))
        drawn = []

        def render(item, *args):
            drawn.append(item)
            return f"<li>{item.title}</li>"

        assert str(fragments.card(render, gone)) == ""
        assert str(fragments.card(render, there)) == "<li>Les comètes de Zélie</li>"
        assert [type(item) for item in drawn] == [Article]  # drawn from the loaded item
    assert not _keys(cache, "card")  # nothing that request rendered was kept


def test_an_agenda_whose_lines_are_kept_loads_none_of_its_dates(app, db, testapp, cache, event):
    assert event.title in testapp.get("/agenda").text
    with statements(db.engine) as seen:
        page = testapp.get("/agenda").text
    assert event.title in page
    # The dates' ids, then their dates and events' ids (one small statement); no event's row.
    assert not [s for s in seen if "content.title" in s], seen
    known = (event.occurrences[0].starts_at, event.title, event.slug, event.id)
    with _page(app, "/agenda"):
        db.session.expunge_all()
        [date_] = EventFilter.from_args(MultiDict()).page(1, 20, kept_lines=True).items
        with statements(db.engine) as seen:
            assert isinstance(date_, EventOccurrence) and date_.event.id == date_.event_id
            assert date_.starts_at == known[0]
        assert seen == []
        with statements(db.engine) as seen:
            assert (date_.event.title, date_.event.slug) == known[1:3]
        assert len([s for s in seen if "content.title" in s]) == 1, seen
    db.session.get(Event, known[3]).title = "Nuit des étoiles, reportée"
    db.session.commit()
    assert "reportée" in testapp.get("/agenda").text


def test_an_agenda_line_is_kept_until_the_data_changes(db, testapp, cache, event):
    assert event.title in testapp.get("/agenda").text
    [key] = [k for k in _keys(cache, "line") if k[0][1] == event.id]
    _mark(cache, key, event.title)
    assert MARKER in testapp.get("/agenda").text
    event.title = "Nuit des étoiles, reportée"
    db.session.commit()
    page = testapp.get("/agenda").text
    assert "reportée" in page and MARKER not in page


def test_a_card_s_caller_part_is_drawn_each_time_around_the_kept_card(app, db, factory, testapp, log_in, cache,
                                                                       article):
    # "My content" adds the author's own tools to each card ({% call card(…) %}): the card is
    # kept — the same as the list's — and the tools are drawn at its end for each request, never kept.
    author = factory.user(email="zelie@example.org", name="Zélie")
    article.author = author
    db.session.commit()
    log_in(testapp, author)
    page = testapp.get("/me/content")
    assert article.title in page.text and page.html.select_one(".card .my-content-state") is not None
    [key] = [k for k in _keys(cache, "card") if k[0][1:3] == ("article", article.id)]
    kept_html = cache.get(key)[2]
    assert "my-content-state" not in kept_html and "Edit" not in kept_html
    _mark(cache, key, article.title)
    card = str(testapp.get("/me/content").html.select_one(".card"))
    assert MARKER in card and "my-content-state" in card  # the kept card, then the tools at its end
    assert card.index(MARKER) < card.index("my-content-state")
    # The page drawn around the kept cards is the page drawn whole, byte for byte (but the
    # tokens and nonces every response draws anew).
    fragments.clear(app)
    testapp.get("/me/content")  # kept again, unmarked
    kept = testapp.get("/me/content").text
    app.config["DATA_CACHE"] = False  # nothing kept: every card drawn whole with its tools
    try:
        whole = testapp.get("/me/content").text
    finally:
        app.config["DATA_CACHE"] = True
    assert _tokens_out(kept) == _tokens_out(whole)


def test_a_search_hit_s_card_is_kept_and_its_excerpt_drawn_each_time(app, db, testapp, cache, article):
    """A hit's card is the list's card kept without its summary, the highlighted excerpt drawn
    at its end for each search; a page whose hits' cards are all kept loads none of the hits."""
    page = testapp.get("/search", {"q": "observation"})
    card = page.html.select_one(".search-results .card")
    assert card.select_one(".excerpt mark").get_text() == "observation"
    assert "Une nuit" not in card.get_text().replace(card.select_one(".excerpt").get_text(), "")  # no summary too
    [key] = [k for k in _keys(cache, "card") if k[0][1:3] == ("article", article.id)]
    assert "excerpt" not in cache.get(key)[2] and "observation" not in cache.get(key)[2]
    _mark(cache, key, article.title)
    with statements(db.engine) as seen:
        card = testapp.get("/search", {"q": "nuit"}).html.select_one(".search-results .card")
    assert MARKER in card.get_text()  # the kept card…
    assert card.select_one(".excerpt mark").get_text() == "nuit"  # …and this search's excerpt
    assert str(card).index(MARKER) < str(card).index('class="excerpt"')
    assert not [s for s in seen if _loads_articles(s)], seen  # the hit's row was not loaded
    # Drawn whole (nothing kept), the page is the same but the tokens every response draws anew.
    fragments.clear(app)
    testapp.get("/search", {"q": "nuit"})
    kept = testapp.get("/search", {"q": "nuit"}).text
    app.config["DATA_CACHE"] = False
    try:
        whole = testapp.get("/search", {"q": "nuit"}).text
    finally:
        app.config["DATA_CACHE"] = True
    assert _tokens_out(kept) == _tokens_out(whole)
    article.title = "Les comètes de Zélie, deuxième nuit"
    db.session.commit()
    card = testapp.get("/search", {"q": "nuit"}).html.select_one(".search-results .card")
    assert "deuxième nuit" in card.get_text() and MARKER not in card.get_text()


def _tokens_out(html: str) -> str:
    """The page without what each response draws anew: nonces, form and meta tokens, and the CSRF
    token of the body's ``hx-headers`` (signed with the time: two requests a second apart differ)."""
    html = re.sub(r'(nonce|value|content)="[^"]*"', r'\1=""', html)
    return re.sub(r"hx-headers='[^']*'", "hx-headers=''", html)


def test_an_event_cards_date_is_part_of_its_key(app, event):
    """An event's card shows its next date, which the clock moves: each date its own fragment."""
    calls = []

    def render(*args):
        calls.append(args[1])
        return f"<li>{len(calls)}</li>"

    first = CardDate(event.starts_at, event.ends_at, False)
    later = CardDate(event.starts_at + timedelta(days=7), event.ends_at + timedelta(days=7), False)
    past = CardDate(event.starts_at, event.ends_at, True)
    with _page(app):
        fragments.clear(app)
        assert fragments.card(render, event, first) == fragments.card(render, event, first)
        assert len(calls) == 1
        fragments.card(render, event, later)
        fragments.card(render, event, past)
        assert calls == [first, later, past]


def test_nothing_is_kept_while_a_request_writes_or_with_the_cache_off(app, db, article, rendering):
    render, calls = rendering
    with _page(app):
        fragments.clear(app)
        fragments.kept(("test", 1), render)
        fragments.kept(("test", 1), render)
        assert len(calls) == 1
        article.summary = "Modifié"
        db.session.flush()  # written, not committed: what is rendered may be rolled back
        fragments.kept(("test", 2), render)
        fragments.kept(("test", 2), render)
        assert len(calls) == 3
        db.session.rollback()
    app.config["DATA_CACHE"] = False
    try:
        with _page(app):
            fragments.kept(("test", 1), render)
            assert len(calls) == 4
    finally:
        app.config["DATA_CACHE"] = True


def test_nothing_is_kept_after_a_bulk_write_or_an_unread_image(app, db, article, monkeypatch, rendering):
    """An ORM bulk update (a sanction's, a merge's) marks the request as writing, like a flush;
    a card whose image went unread (the storage did not answer) is not kept without its size."""
    from sqlalchemy import update

    from csti import uploads
    from csti.models import Content

    render, calls = rendering
    with _page(app):
        fragments.clear(app)
        fragments.kept(("bulk", 1), render)  # the version read before the write
        db.session.execute(update(Content).where(Content.id == article.id).values(summary="Masqué"))
        fragments.kept(("bulk", 2), render)
        fragments.kept(("bulk", 2), render)
        assert len(calls) == 3
        db.session.rollback()

    def unreadable(where, relative):
        raise OSError("the storage does not answer")

    monkeypatch.setattr(uploads, "_image_info", unreadable)
    with _page(app):
        fragments.clear(app)
        assert uploads.image_info("covers/absent.jpg").width is None
        fragments.kept(("image", 1), render)
        fragments.kept(("image", 1), render)
        assert len(calls) == 5


def test_a_page_needing_no_data_answers_when_the_database_does_not(app, monkeypatch):
    """The version read first on PostgreSQL (``fragments._version_first``) is no reason for a
    page that reads nothing to fail: the database not answering leaves it to the page."""
    from sqlalchemy.exc import OperationalError

    from csti import datacache

    def unreachable():
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(datacache, "_read_version", unreachable)
    monkeypatch.setattr(fragments, "_fresh_statements", lambda: True)
    with app.test_request_context("/articles"):
        from flask import request

        assert request.endpoint == "articles.index"
        fragments._version_first()  # no exception: the page decides
        assert request.__dict__.get("_csti_data_version") is None
    calls = []
    monkeypatch.setattr(datacache, "_read_version", lambda: calls.append(1) or (7, None))
    with app.test_request_context("/articles"):
        fragments._version_first()
        assert calls == [1]  # read before the page's items
        assert datacache.data_version() == (7, None) and calls == [1]
    with app.test_request_context("/articles", method="POST"):
        fragments._version_first()
        assert calls == [1]  # a form's post reads it when it needs it


def _current(page, selector):
    return [a.text.strip() for a in page.html.select(f"{selector} a[aria-current]")]


def test_the_layout_s_menus_are_kept_per_page_and_territory(db, factory, testapp, testapp_en, cache, article):
    """The header's menus and search form and the footer (``base.html``, ``fragments.layout``):
    rendered once per page endpoint, territory shown and language, shown again until a write —
    each page with its own entry marked current."""
    other = factory.territory(slug="bretagne", name="Bretagne")
    testapp.get("/articles")
    [key] = [k for k in _keys(cache, "layout") if k[0][1:3] == ("header", "articles.index")]
    assert key[0][3] is None and key[1] == "fr"
    _mark(cache, key, "Occitanie")
    page = testapp.get("/articles")
    assert MARKER in page.html.select_one("nav.main-nav").text  # the kept header
    assert _current(page, "nav.main-nav") == ["Articles"]
    # Another page: its own header, its own current entry.
    agenda = testapp.get("/agenda")
    assert MARKER not in agenda.text and _current(agenda, "nav.main-nav") == ["Agenda"]
    # A territory's home marks that territory in the menu; another territory's, that one.
    assert _current(testapp.get("/t/occitanie"), "nav.main-nav .menu-list") == ["Occitanie"]
    assert _current(testapp.get("/t/bretagne"), "nav.main-nav .menu-list") == ["Bretagne"]
    # In English, its own.
    english = testapp_en.get("/articles")
    assert MARKER not in english.text and _current(english, "nav.main-nav") == ["Articles"]
    assert "Search the site" in english.text
    # A write (a territory renamed) shows in the menus at once.
    other.name = "Bretagne et Pays de la Loire"
    db.session.commit()
    page = testapp.get("/articles")
    assert MARKER not in page.text and "Bretagne et Pays de la Loire" in page.html.select_one("nav.main-nav").text


def test_the_footer_is_kept_with_its_current_page(db, testapp, cache):
    testapp.get("/articles")
    [key] = [k for k in _keys(cache, "layout") if k[0][1:3] == ("footer", "articles.index")]
    _mark(cache, key, "API")
    assert MARKER in testapp.get("/articles").html.select_one("footer").text
    embed = testapp.get("/embed")
    assert MARKER not in embed.text and _current(embed, "footer nav") == ["Intégrer"]
    assert _current(testapp.get("/articles"), "footer nav") == []


def test_nothing_of_the_layout_is_kept_from_a_form_s_post(app, db, testapp, cache):
    """A form sent back with its errors (422) shows the layout rendered, not kept: on
    PostgreSQL what it read before the data version could be older than it."""
    page = testapp.get("/login")
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    fragments.clear(app)
    testapp.post("/login", {"csrf_token": token, "email": "", "password": ""}, status=422)
    assert _keys(cache, "layout") == []
    testapp.get("/login")
    assert len(_keys(cache, "layout")) == 2  # the header and the footer, from the GET


def test_a_fragment_whose_rendering_wrote_is_not_kept(app, db, article, rendering, cache):
    """A render that flushed a change (an autoflush) may show what is rolled back: not kept."""
    render, calls = rendering

    def writing():
        article.summary = "Changé pendant le rendu"
        db.session.flush()
        return render()

    with _page(app):
        fragments.kept(("wrote", 1), writing)
        assert _keys(cache, "wrote") == []
        db.session.rollback()
    with _page(app):  # another page: rendered again, and kept
        fragments.kept(("wrote", 1), render)
        fragments.kept(("wrote", 1), render)
        assert len(calls) == 2 and len(_keys(cache, "wrote")) == 1


def test_on_postgresql_only_what_follows_the_first_version_is_kept(app, db, article, rendering, cache,
                                                                   monkeypatch):
    """PostgreSQL's statements each see what is committed when they run: HTML is kept only under
    the version the page read before anything else (``_version_first``) — not on a page that
    did not read it first (a 404, a form's post), nor once a write was committed since."""
    monkeypatch.setattr(fragments, "_fresh_statements", lambda: True)
    render, calls = rendering
    with app.test_request_context("/"):  # the version not read first
        fragments.kept(("pg", 1), render)
        assert _keys(cache, "pg") == []
    with _page(app):
        fragments.kept(("pg", 1), render)
        assert len(_keys(cache, "pg")) == 1
        article.summary = "Changée"
        db.session.commit()  # a write committed: the version read again is after what the page read
        fragments.kept(("pg", 2), render)
        assert len(_keys(cache, "pg")) == 1 and len(calls) == 3


def _part_keys(cache, item):
    return {key[0][1]: key for key in _keys(cache, "page") if key[0][2:4] == (item.kind, item.id)}


def test_an_event_page_keeps_what_every_visitor_sees_alike(db, factory, testapp, log_in, cache, event):
    """An event's page keeps its JSON-LD, its dates and its practical facts (``kept_part``),
    per item and site address; the registration box is each visitor's own, drawn each time;
    a write shows at once."""
    event.registration_mode, event.capacity, event.venue_name = "site", 30, "Phare du Créac’h"
    db.session.commit()
    url = f"/event/{event.id}-{event.slug}"
    testapp.get(url)
    parts = _part_keys(cache, event)
    assert set(parts) == {"og", "head", "json-ld", "dates", "facts", "likes", "tags", "documents", "comments"}
    _mark(cache, parts["facts"], "Phare du Créac’h")
    _mark(cache, parts["dates"], event.occurrences[0].starts_at.isoformat())
    _mark(cache, parts["json-ld"], event.title)

    def page(app, **environ):
        response = app.get(url, extra_environ=environ)
        aside = response.html.select_one("aside.actor-aside")
        return response, aside

    anonymous, aside = page(testapp)
    assert MARKER in aside.select_one("dl.facts").text  # kept…
    assert MARKER in str(anonymous.html.select_one("ul.dates"))
    assert MARKER in anonymous.html.select_one('head script[type="application/ld+json"]').string
    assert aside.select_one(".registration-box a").text == "Connectez-vous pour vous inscrire"  # …the box drawn
    log_in(testapp, factory.user())  # a write (the session): the parts are drawn again…
    member, aside = page(testapp)
    assert MARKER not in member.text
    _mark(cache, _part_keys(cache, event)["facts"], "Phare du Créac’h")
    member, aside = page(testapp)
    assert MARKER in aside.select_one("dl.facts").text  # …and kept for this visitor too
    assert aside.select_one(f"form#register-{event.id} button").text == "S’inscrire"  # this visitor's own
    anonymous, aside = page(TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}))
    assert MARKER in aside.select_one("dl.facts").text  # the same kept facts, another visitor's box
    assert aside.select_one(".registration-box a").text == "Connectez-vous pour vous inscrire"
    assert not aside.select(f"form#register-{event.id}")
    # Another site address: its own JSON-LD (absolute links) and calendar links.
    other, _aside = page(testapp, HTTP_HOST="autre.example")
    assert MARKER not in other.text and "http://autre.example/event/" in other.text
    # A write: shown at once.
    event.venue_name = "Phare de la Vieille"
    db.session.commit()
    anonymous, aside = page(testapp)
    assert MARKER not in anonymous.text and "Phare de la Vieille" in aside.select_one("dl.facts").text


def test_an_article_page_keeps_its_json_ld(db, testapp, cache, article):
    url = f"/article/{article.id}-{article.slug}"
    testapp.get(url)
    parts = _part_keys(cache, article)
    assert set(parts) == {"og", "json-ld", "likes", "tags", "documents", "comments", "owners"}
    _mark(cache, parts["json-ld"], article.title)
    page = testapp.get(url)
    assert MARKER in page.html.select_one('head script[type="application/ld+json"]').string
    assert MARKER not in page.html.select_one("h1").text


def test_a_page_part_is_drawn_each_time_for_a_form_s_post_or_an_item_not_saved(app, db, article, rendering, cache):
    """A form's post shown again may show an item the form changed and did not save; a preview
    has no id to key it by: neither is kept."""
    render, calls = rendering
    with app.test_request_context(f"/article/{article.id}", method="POST"):
        fragments.page_part("facts", article, caller=render)
        fragments.page_part("facts", article, caller=render)
    with _page(app):
        fragments.page_part("facts", Article(title="Aperçu"), caller=render)
    assert len(calls) == 3 and _keys(cache, "page") == []
    with _page(app):
        first = fragments.page_part("facts", article, caller=render)
        assert fragments.page_part("facts", article, caller=render) == first
    assert len(calls) == 4 and len(_keys(cache, "page")) == 1


def _token(page) -> str:
    """The visitor's CSRF token as the page's drawn parts carry it (``<body hx-headers>``)."""
    import json

    return json.loads(page.html.body["hx-headers"])["X-CSRFToken"]


def test_the_comments_are_kept_per_kind_of_visitor_and_drawn_for_their_authors(db, factory, testapp, log_in,
                                                                             cache, article):
    """The comments are the same for every anonymous visitor (no tools, "log in to comment"),
    and for every member who wrote none of them and does not animate the territory (reply
    forms, "Report"): kept, a variant each, the reply forms with each visitor's own CSRF token;
    an author's (edit, delete) and an animator's (delete on each) are drawn each time."""
    from csti.blueprints.discussion.operations import add_comment

    author = factory.user(name="Zélie Martin")
    first = add_comment(article, author, "Superbe nuit, merci !")
    db.session.commit()
    url = f"/article/{article.id}-{article.slug}"

    def comments(app):
        page = app.get(url)
        return page, page.html.select_one("ol.comments")

    testapp.get(url)
    _mark(cache, _part_keys(cache, article)["comments"], "Superbe nuit")
    page, listed = comments(testapp)
    assert MARKER in listed.text and "Répondre" not in listed.text
    assert page.html.select_one(f"form#like-{article.id} input[name=csrf_token]")
    # Two members who wrote none: the second sees what the first's visit kept, with a token of
    # their own, which their reply is accepted with.
    reader, other = factory.user(), factory.user()
    log_in(testapp, reader)
    testapp.get(url)
    keys = [key for key in _keys(cache, "page") if key[0][1] == "comments"]
    member_key = next(key for key in keys if key[0][5][0] == "member")
    _mark(cache, member_key, "Superbe nuit")
    assert fragments.PLACEHOLDER in cache.get(member_key)[2]  # no visitor's token is kept
    page, listed = comments(testapp)
    assert MARKER in listed.text and "Répondre" in listed.text and "Signaler" in listed.text
    reply_token = listed.select_one(f"#reply-{first.id} input[name=csrf_token]")["value"]
    assert reply_token == _token(page)
    second = TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    log_in(second, other)
    page, listed = comments(second)
    assert MARKER in listed.text
    theirs = listed.select_one(f"#reply-{first.id} input[name=csrf_token]")["value"]
    assert theirs == _token(page) and theirs != reply_token
    form = page.forms[f"reply-{first.id}"]
    form["body"] = "Et la Lune ?"
    posted = form.submit()
    assert posted.status_int == 303  # the kept form's token is this visitor's: the reply is published
    reply_id = int(posted.headers["Location"].rsplit("#comment-", 1)[1])
    db.session.rollback()  # the test's snapshot, older than the reply: SQLite refuses it a write
    # The authors of comments — the first one's, and now the reply's — get theirs drawn, with
    # their tools, not the members' kept variant; nothing of theirs is kept for the members.
    third = TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    log_in(third, reader)
    third.get(url)  # the members' variant kept again since the reply
    _mark(cache, member_key, "Superbe nuit")
    log_in(testapp, author)
    for app, own in ((testapp, first.id), (second, reply_id)):
        listed = comments(app)[1]
        assert MARKER not in listed.text and "Et la Lune ?" in listed.text
        assert listed.select_one(f'a[href="/comments/{own}/edit"]')
    listed = comments(third)[1]
    assert MARKER in listed.text and not listed.select('a[href$="/edit"]')
    # An animator of the territory: drawn, a delete button on each comment.
    animator = factory.user(roles={article.territory: "animator"})
    db.session.commit()
    log_in(testapp, animator)
    third.get(url)  # the members' variant kept again since the animator's account
    _mark(cache, member_key, "Superbe nuit")
    page, listed = comments(testapp)
    assert MARKER not in listed.text and len(listed.select("form.inline-form button")) == 2
    listed = comments(third)[1]
    assert MARKER in listed.text and not listed.select("form.inline-form")  # nothing of theirs kept
    # A new comment: every kind of visitor sees it at once.
    add_comment(article, author, "Et la Lune était pleine.")
    db.session.commit()
    anonymous = TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert "Et la Lune était pleine." in comments(anonymous)[1].text
    assert "Et la Lune était pleine." in comments(second)[1].text


def test_the_like_bar_is_kept_for_anonymous_visitors_with_each_one_s_token(db, testapp, cache, article):
    """The like count as anonymous visitors see it is kept; its form carries each visitor's
    own CSRF token (kept as a placeholder)."""
    url = f"/article/{article.id}-{article.slug}"
    testapp.get(url)
    key = _part_keys(cache, article)["likes"]
    assert fragments.PLACEHOLDER in cache.get(key)[2]
    _mark(cache, key, "0 j’aime")
    tokens = []
    for app in (testapp, TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})):
        page = app.get(url)
        form = page.html.select_one(f"form#like-{article.id}")
        assert MARKER in form.text
        tokens.append(form.select_one("input[name=csrf_token]")["value"])
        assert tokens[-1] == _token(page)
    assert tokens[0] != tokens[1]


def test_kept_html_never_holds_a_visitor_s_token(app, db, article, cache):
    """A kept fragment that shows the request's CSRF token keeps a placeholder instead, and
    each later visitor gets their own token in its place."""
    from flask import g
    from flask_wtf.csrf import generate_csrf

    calls = []

    def render():
        calls.append(1)
        return f'<input name="csrf_token" value="{generate_csrf()}">'

    shown = []
    for _visit in range(2):
        with _page(app):
            g.pop("csrf_token", None)  # the tests' app context outlives a request's: a new visitor
            html = str(fragments.kept(("page", "form", "article", article.id), render))
            shown.append((html, generate_csrf()))
    (key,) = _keys(cache, "page")
    kept_html = cache.get(key)[2]
    assert fragments.PLACEHOLDER in kept_html and shown[0][1] not in kept_html
    for html, token in shown:
        assert html == f'<input name="csrf_token" value="{token}">'
    assert shown[0][1] != shown[1][1]
    assert len(calls) == 1  # the second visitor's came from what was kept


def test_html_with_the_placeholder_or_another_token_is_not_kept(app, db, article, cache):
    """Text that holds the placeholder already would show each visitor's token; a token field
    whose value is not the request's token would show it to every visitor: neither is kept."""
    from flask import g

    for html in (f"<a href='https://exemple.fr/{fragments.PLACEHOLDER}'>lien</a>",
                 '<input type="hidden" name="csrf_token" value="le-jeton-d-un-autre">'):
        with _page(app):
            g.pop("csrf_token", None)
            assert str(fragments.kept(("page", "x", "article", article.id), lambda html=html: html)) == html
        assert _keys(cache, "page") == []


def test_a_member_s_part_of_a_page_is_asked_again_after_a_write(app, db, factory, article):
    """The request's memo of a member's part of a page is forgotten once the request writes (a
    long task's request context, mails or the demo, writes between its questions)."""
    from csti.blueprints.discussion.operations import set_like
    from csti.memberpage import member_page

    member = factory.user()
    db.session.commit()
    with app.test_request_context(f"/article/{article.id}-{article.slug}"):
        assert member_page(member, article).liked is False
        set_like(member, article, True)
        db.session.flush()
        assert member_page(member, article).liked is True
        db.session.rollback()


def test_a_member_s_part_is_asked_for_the_page_s_own_item_only(app, db, factory, article):
    """The four answers of a member's part of a page are asked for the item the page shows; for
    another item (a card on it, a structure's page of the same number) whether the member
    manages one of its structures is one EXISTS, answered right and kept for the request."""
    from sqlalchemy import update
    from sqlalchemy.orm import lazyload

    from csti import policy
    from csti.memberpage import member_page
    from csti.models import ActorMember

    museum = Actor(title="Muséum de Toulouse", territory=article.territory, actor_kind="museum")
    museum.publish()
    manager, member = factory.user(), factory.user()
    museum.members.append(ActorMember(user=manager, role="manager"))
    theirs = Article(title="Atelier soudure", territory=article.territory, article_kind="news")
    theirs.publish()
    theirs.owners.append(museum)
    db.session.add_all([museum, theirs])
    db.session.commit()

    def as_on_a_page():  # the items read without their owners, as a page reads them
        db.session.expire_all()
        db.session.scalars(select(Article).options(lazyload(Article.owners)).where(
            Article.id.in_([article.id, theirs.id])).execution_options(populate_existing=True)).all()

    for path in (f"/article/{article.id}-{article.slug}", f"/actor/{theirs.id}", "/articles"):
        as_on_a_page()
        with app.test_request_context(path):
            assert member_page(manager, theirs) is None
            assert (member_page(manager, article) is not None) is path.startswith("/article/")
            with statements(db.engine) as seen:
                assert policy._organises(manager, theirs) is True
                assert policy._organises(manager, theirs) is True  # kept for the request
                assert policy._organises(member, theirs) is False
            asked = [s for s in seen if "actor_member" in s]
            assert len(asked) == 2 and not [s for s in asked if "reaction" in s or "comment" in s], seen
    with app.test_request_context(f"/article/{theirs.id}"):
        as_on_a_page()
        assert member_page(manager, theirs).organises is True
    with app.test_request_context("/articles"):  # the request's answer forgotten once it writes
        as_on_a_page()
        assert policy._organises(member, theirs) is False
        db.session.add(ActorMember(actor_id=museum.id, user_id=member.id, role="manager"))  # not flushed yet
        assert policy._organises(member, theirs) is True
        db.session.rollback()
    with app.test_request_context("/articles"):  # … or it writes by a bulk update
        as_on_a_page()
        assert policy._organises(manager, theirs) is True
        db.session.execute(update(ActorMember).where(ActorMember.user_id == manager.id).values(role="member"))
        assert policy._organises(manager, theirs) is False
        db.session.rollback()


def test_an_item_s_tags_documents_and_card_are_kept_for_those_who_may_not_edit_it(db, factory, testapp, log_in,
                                                                                cache, event):
    """An event's tags, its documents' section and its Open Graph card are the same for every
    visitor who may not edit it: kept — the tags not even read; its editor's tags and documents,
    with their forms, are drawn each time."""
    from csti.models import Tag

    event.tags.append(Tag(slug="astronomie", name="astronomie"))
    db.session.commit()
    url = f"/event/{event.id}-{event.slug}"
    testapp.get(url)
    parts = _part_keys(cache, event)
    assert {"og", "tags", "documents", "likes"} <= set(parts)
    _mark(cache, parts["tags"], "#astronomie")
    _mark(cache, parts["og"], event.title)
    with statements(db.engine) as seen:
        page = testapp.get(url)
    assert MARKER in page.html.select_one(f"#tags-{event.id}").text
    assert MARKER in page.html.select_one('meta[property="og:title"]')["content"]
    assert MARKER not in page.html.select_one("h1").text
    assert not [s for s in seen if "content_tag" in s or "FROM territory" in s], seen
    assert not page.html.select(f"#tags-{event.id} form") and not page.html.select("#document-form")
    editor = factory.user(roles={event.territory: "animator"})
    db.session.commit()
    log_in(testapp, editor)
    testapp.get(url)
    kept_before = set(_keys(cache, "page"))
    page = testapp.get(url)
    tags = page.html.select_one(f"#tags-{event.id}")
    assert MARKER not in tags.text and "#astronomie" in tags.text and tags.select("form.tag-add")
    assert page.html.select("#document-form")
    assert set(_keys(cache, "page")) == kept_before  # nothing of the editor's tags or documents kept
    assert {key[0][1] for key in kept_before} >= {"tags", "documents"}  # the visitors' still there
    for key in _part_keys(cache, event).values():
        assert "tag-add" not in cache.get(key)[2] and "document-form" not in cache.get(key)[2]
    anonymous = TestApp(testapp.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}).get(url)
    assert "#astronomie" in anonymous.html.select_one(f"#tags-{event.id}").text
    assert not anonymous.html.select("form.tag-add") and not anonymous.html.select("#document-form")


def test_a_member_who_animates_nowhere_does_not_read_the_territories_for_the_moderation_link(
        db, factory, testapp, log_in, cache, article):
    """The menu's moderation link is for animators and admins: a plain member's page does not
    read the territories to find none; an animator's shows the link."""
    url = f"/article/{article.id}-{article.slug}"
    log_in(testapp, factory.user(roles={article.territory: "contributor"}))
    testapp.get(url)
    with statements(db.engine) as seen:
        page = testapp.get(url)
    assert not page.html.select('a[href="/moderation"]')
    assert not [s for s in seen if "FROM territory ORDER BY" in s], seen
    log_in(testapp, factory.user(roles={article.territory: "animator"}))
    assert testapp.get(url).html.select('a[href="/moderation"]')


def _json_ld(page) -> dict:
    import json

    return json.loads(page.html.select_one('head script[type="application/ld+json"]').string)


def test_an_event_s_kept_json_ld_follows_the_clock(db, testapp, cache, monkeypatch, event):
    """What the clock moves without a write — the date the JSON-LD gives (the next one not
    ended), whether registration is still open (its deadline), whether the event is over — is
    part of the kept JSON-LD's key: after three days the page gives what drawing it anew gives."""
    from csti.blueprints.events import schedule as schedule_module
    from csti.models import base

    start = datetime.combine(date.today() + timedelta(days=2), time(21, 0))  # in 2 days, then in 9
    schedule(event, start, start + timedelta(hours=2), False, "weekly", (start + timedelta(days=8)).date())
    event.registration_mode, event.capacity = "site", 30
    event.registration_deadline = datetime.now(UTC) + timedelta(days=1)
    db.session.commit()
    url = f"/event/{event.id}-{event.slug}"
    before = _json_ld(testapp.get(url))
    assert before["offers"]["availability"].endswith("InStock")
    def after(days):
        later = datetime.now(UTC) + timedelta(days=days)
        monkeypatch.setattr(base, "utcnow", lambda: later)
        monkeypatch.setattr(schedule_module, "utcnow", lambda: later)
        kept = _json_ld(testapp.get(url))
        cache.discard_where(lambda key: True)  # nothing kept: drawn anew
        drawn = _json_ld(testapp.get(url))
        assert kept == drawn
        return drawn

    drawn = after(1.5)  # the deadline passed, the first date not yet
    assert drawn["startDate"] == before["startDate"] and drawn["offers"]["availability"].endswith("OutOfStock")
    drawn = after(3)  # the first date is over: the next one
    assert drawn["startDate"] != before["startDate"]
    # Without registration, the JSON-LD offers a place until the event is over.
    event.registration_mode, event.registration_deadline = "none", None
    db.session.commit()
    assert after(3)["offers"]["availability"].endswith("InStock")
    assert after(10)["offers"]["availability"].endswith("OutOfStock")  # its last date ended


def test_whether_a_member_manages_an_organiser_is_one_statement_a_page(db, factory, testapp, log_in, cache, article):
    """A page asks whether its member manages one of its item's structures for each of its
    tools; with the owners' part kept it is one statement (not the owners and their members),
    answered alike: the manager gets the edit link, a plain member of the structure does not."""
    from csti.models import ActorMember

    museum = Actor(title="Muséum de Toulouse", territory=article.territory, actor_kind="museum")
    museum.publish()
    other = Actor(title="Fablab de Castres", territory=article.territory, actor_kind="fablab")
    other.publish()
    manager, member, elsewhere = factory.user(), factory.user(), factory.user()
    museum.members += [ActorMember(user=manager, role="manager"), ActorMember(user=member, role="member")]
    other.members.append(ActorMember(user=elsewhere, role="manager"))  # manages a structure, not this one's
    theirs = Article(title="Atelier soudure", territory=article.territory, article_kind="news")
    theirs.publish()
    theirs.owners.append(other)
    article.owners.append(museum)
    db.session.add_all([museum, other, theirs])
    db.session.commit()
    url = f"/article/{article.id}-{article.slug}"
    edit = f'a[href="/article/{article.id}/edit"]'
    for user, may in ((manager, True), (member, False), (elsewhere, False)):
        log_in(testapp, user)
        testapp.get(url)  # the owners' part kept
        with statements(db.engine) as seen:
            page = testapp.get(url)
        assert "Muséum de Toulouse" in page.html.select_one("article p.meta:not(:first-child)").text
        assert bool(page.html.select(edit)) is may
        assert len([s for s in seen if "actor_member" in s]) == 1, seen
        assert not [s for s in seen if "content_owner" in s and "actor_member" not in s], seen


def test_a_member_s_part_of_an_item_page_is_one_statement(db, factory, testapp, log_in, cache, article):
    """Whether the member manages one of the item's structures, its likes and whether theirs is
    one, whether they wrote one of its comments: one statement a page read (``memberpage``),
    each answer right — the like button pressed, their comment's tools."""
    from csti.blueprints.discussion.operations import add_comment, set_like

    member, other = factory.user(), factory.user()
    set_like(member, article, True)
    set_like(other, article, True)
    mine = add_comment(article, member, "Quelle belle nuit.")
    db.session.commit()
    url = f"/article/{article.id}-{article.slug}"
    log_in(testapp, member)
    testapp.get(url)
    with statements(db.engine) as seen:
        page = testapp.get(url)
    button = page.html.select_one(f"form#like-{article.id} button")
    assert button["aria-pressed"] == "true" and "2 j’aime" in page.html.select_one(f"form#like-{article.id}").text
    assert page.html.select_one(f'a[href="/comments/{mine.id}/edit"]')
    asked = [s for s in seen if "reaction" in s or "actor_member" in s or "comment.author_id = ?" in s]
    assert len(asked) == 1, asked  # (the comments themselves are read to be drawn: theirs have tools)
    assert all(word in asked[0] for word in ("reaction", "actor_member", "comment.author_id")), asked
    log_in(testapp, other)  # another member: their own answers (liked, wrote none: the kept variant)
    page = testapp.get(url)
    assert page.html.select_one(f"form#like-{article.id} button")["aria-pressed"] == "true"
    assert not page.html.select(f'a[href="/comments/{mine.id}/edit"]')
    log_in(testapp, factory.user())
    assert testapp.get(url).html.select_one(f"form#like-{article.id} button")["aria-pressed"] == "false"


def test_a_member_s_session_row_brings_the_data_version_with_it(db, factory, testapp, log_in, cache, article):
    """A member's page reads the data version with their session's row (one statement, not
    two: ``sessions.load_session_user``), and the kept parts follow it: an item changed since is
    drawn anew for them."""
    member = factory.user()
    db.session.commit()
    url = f"/article/{article.id}-{article.slug}"
    log_in(testapp, member)
    testapp.get(url)
    with statements(db.engine) as seen:
        page = testapp.get(url)
    assert page.html.select_one('meta[property="og:title"]')["content"] == "Les comètes de Zélie"
    versions = [s for s in seen if "data_version" in s]
    assert len(versions) == 1 and "user_session" in versions[0], versions
    db.session.rollback()
    assert page.html.select_one('meta[property="og:description"]')["content"] == "Une nuit d'observation."
    db.session.get(Article, article.id).summary = "Deux nuits d'observation."
    db.session.commit()  # a new version: the kept card is drawn again
    page = testapp.get(url)
    assert page.html.select_one('meta[property="og:description"]')["content"] == "Deux nuits d'observation."


def test_a_session_row_read_by_a_writing_flush_leaves_the_request_writing(app, db, factory, article):
    """The session's statement may flush changes not flushed yet (its autoflush): the request
    has then written, and the version read with the member is not taken as what it read."""
    from csti.datacache import WRITING
    from csti.sessions import load_session_user, open_session

    member = factory.user()
    db.session.flush()
    session_id = open_session(member)
    db.session.commit()
    with app.test_request_context("/"):
        assert load_session_user(session_id).id == member.id
        assert request._csti_data_version is not WRITING and request._csti_data_version[0] >= 1
    with app.test_request_context("/"):
        db.session.add(Article(title="Brouillon", territory=article.territory, article_kind="news"))
        assert load_session_user(session_id).id == member.id
        assert request._csti_data_version is WRITING
        db.session.rollback()
