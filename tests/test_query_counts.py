"""No N+1: a list page runs as many SQL statements for 3N items as for N.

Every list page and fragment is requested with N items of each kind, then again after 2N more
were added (all on one page: N is smaller than the pages' sizes). The statements are counted
on the engine; the counts must be equal. Not timed. The header the benchmark reads
(``X-Query-Count``, ``CSTI_COUNT_QUERIES=1``) is checked at the end."""
import itertools
import re
from datetime import datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import event, select

from csti import create_app
from csti.blueprints.actors.operations import add_member, set_location
from csti.blueprints.discussion.operations import add_comment
from csti.blueprints.dossiers.operations import add_item
from csti.blueprints.events.schedule import schedule
from csti.dates import to_local
from csti.models import Actor, Event, Registration, Tag
from csti.models.actors import MANAGER
from csti.models.follows import Follow

from . import samples

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)

N = 3
HTMX = {"HX-Request": "true"}
TAG = "astronomie"

# (name, URL, headers): the pages that are no type's own list or feed (derived from the registry
# by ``type_pages``): the homes, the lists' variants, the tags, the search, the feeds of a place.
PAGES = [
    ("instance home", "/", {}),
    ("territory home", "/t/occitanie", {}),
    ("agenda", "/agenda", {}),
    ("agenda filtered", "/agenda?territory=occitanie&kind=talk", {}),
    ("agenda fragment", "/agenda?territory=occitanie", HTMX),
    ("agenda calendar", "/agenda?view=calendar", {}),
    ("agenda GeoJSON", "/agenda.geojson", {}),
    ("agenda iCal", "/agenda.ics", {}),
    ("agenda widget", "/embed/agenda?territory=occitanie&limit=50", {}),  # issue #18
    ("news widget", "/embed/news?limit=50", {}),
    ("news widget by tag", f"/embed/news?tag={TAG}&limit=50", {}),
    ("trainings", "/trainings", {}),
    ("directory", "/actors", {}),
    ("directory filtered", "/actors?territory=occitanie&kind=fablab", {}),
    ("directory fragment", "/actors?territory=occitanie", HTMX),
    ("actors GeoJSON", "/actors.geojson?territory=occitanie", {}),
    ("formats", "/formats", {}),
    ("tags", "/tags", {}),
    ("tag page", f"/tags/{TAG}", {}),
    ("tag page fragment", f"/tags/{TAG}", HTMX),
    ("search", "/search?q=astronomie", {}),
    ("search fragment", "/search?q=astronomie&kind=event", HTMX),
    ("suggestions", "/search/suggest?q=astro", HTMX),
    ("tag feed", f"/tags/{TAG}.atom", {}),
    ("resources free on dates", "/resources?from=2030-01-01&to=2030-01-05&audience=libraries&audience=primary_school"
     "&free=0&kind=exhibition&structure=1", {}),
    ("resources fragment on dates", "/resources?from=2030-01-01&audience=libraries", HTMX),
]
# Pages ranked by relevance, with their budget of statements: their first page may show other
# kinds once there are more items, and a page of cards costs a few statements per kind it shows
# (its columns, its cards' relations: ``listing.card_options``), not per item. Held to a budget
# (every kind on the page) instead of the same count; each kind's own search (``type_pages``) is
# held to the same count. The search's first page of N items shows six kinds (24 statements,
# a member's; an earlier test's documents left in the index hid it until tests/conftest.py
# emptied the index between tests): the budget leaves room for one kind more.
RANKED = {"search": 26}
# A member's own pages (the reader follows the author and the tag, and registers to the events).
MEMBER_PAGES = [
    ("my feed", "/me/feed", {}),
    ("my feed filtered", "/me/feed?kind=article&kind=event", {}),
    ("my feed fragment", "/me/feed?kind=project", HTMX),
    ("welcome", "/welcome", {}),
]


def type_pages(app, pages=PAGES):
    """Every listed type's list, its list's HTMX fragment (filtered by territory) and its feed,
    from the registry; those ``pages`` already has (same URL and headers) are not repeated."""
    seen = {(url, tuple(headers.items())) for _, url, headers in pages}
    found = []
    with app.test_request_context():
        for content_type in samples.listed_types():
            name = content_type.blueprint
            for label, url, headers in (
                    (name, url_for(content_type.list_endpoint), {}),
                    (f"{name} fragment", url_for(content_type.list_endpoint, territory="occitanie"), HTMX),
                    (f"{name} feed", content_type.feed_endpoint and url_for(content_type.feed_endpoint), {}),
                    (f"{name} search", url_for("search.index", q=TAG, kind=content_type.kind), {})):
                if url and (url, tuple(headers.items())) not in seen:
                    seen.add((url, tuple(headers.items())))
                    found.append((label, url, headers))
    return found

_seq = itertools.count(1)


class Site:
    """Adds ``count`` items of every listed type (its sample, ``tests/samples.py``), each with
    the relations its cards and pages show, and what the other pages here list."""

    tag = TAG

    def __init__(self, db, factory):
        self.db = db
        self.territory = factory.territory(slug="occitanie", name="Occitanie")
        self.author = factory.user(email="autrice@example.org", name="Autrice",
                                   roles={self.territory: "contributor"})
        self.reader = factory.user(email="lectrice@example.org", name="Lectrice",
                                   roles={self.territory: "member"})
        self.venue = self._actor("Lieu d'accueil")
        self.owner = None  # the structure owning the items being made
        self.article = None  # the one whose comments grow
        self.event = None  # the one whose dates grow
        self.first_start, self.extra_starts = None, []
        self.dossier = None  # the one whose items grow
        self.actor = self.venue  # the venue of every event: its page lists them

    def _actor(self, title):
        n = next(_seq)
        actor = Actor(title=title, actor_kind="fablab", territory=self.territory, author=self.author,
                      summary="Un atelier de fabrication.", latitude=43.6 + n / 1000, longitude=1.44)
        set_location(actor, "31000")
        actor.audiences = ["general_public", "children"]
        actor.add_tag(TAG)
        actor.add_tag(f"theme-{n}")
        add_member(actor, self.author, MANAGER)
        actor.publish()
        self.db.session.add(actor)
        return actor

    def add(self, count):
        s = self.db.session
        now = datetime.now()
        for _ in range(count):
            n = next(_seq)
            self.owner = owner = self._actor(f"Fablab astronomie {n}")
            s.flush()
            made = samples.make_all(self, n)
            start = (now + timedelta(days=2 + n % 5, hours=n)).replace(second=0, microsecond=0)
            training = Event(title=f"Formation astronomie {n}", event_kind="training", territory=self.territory,
                             author=self.author, latitude=43.6, longitude=1.4)
            schedule(training, start, start + timedelta(hours=7))
            training.publish()
            s.add(training)
            article, event, dossier = made["article"], made["event"], made["dossier"]
            article.featured_rank = n
            s.flush()
            add_item(dossier, article, self.author)
            add_item(dossier, event, self.author)
            self.article = self.article or article
            self.event = self.event or event
            self.dossier = self.dossier or dossier
            if self.event is event:
                self.first_start = to_local(event.starts_at).replace(tzinfo=None)
            self.extra_starts.append(self.first_start + timedelta(days=30 + n))
            schedule(self.event, self.first_start, self.first_start + timedelta(hours=2),
                     extra_starts=self.extra_starts)
            s.add(Registration(event_id=event.id, user_id=self.reader.id, status="confirmed"))
            comment = add_comment(self.article, self.reader, f"Merci ! ({n})")
            add_comment(self.article, self.author, f"Avec plaisir ({n})", parent=comment)
            add_item(self.dossier, owner, self.author)
        s.commit()

    def follow(self):
        """The reader follows the author and the tag: every item is in her feed."""
        tag = self.db.session.scalar(select(Tag).where(Tag.slug == TAG))
        self.db.session.add_all([Follow(follower_id=self.reader.id, followed_user_id=self.author.id),
                                 Follow(follower_id=self.reader.id, tag_id=tag.id)])
        self.db.session.commit()

    def detail_pages(self):
        return [
            ("event page", f"/event/{self.event.id}-{self.event.slug}", {}),
            ("article page (comments)", f"/article/{self.article.id}-{self.article.slug}", {}),
            ("structure page (its events)", f"/actor/{self.actor.id}-{self.actor.slug}", {}),
            ("dossier page (its items)", f"/dossier/{self.dossier.id}-{self.dossier.slug}", {}),
            ("member profile (their publications)", f"/members/{self.author.id}", {}),
        ]


class QueryCounter:
    """Counts the statements the engine sends while a request runs."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _on_execute(self, *args):
        self.count += 1

    def measure(self, testapp, url, headers):
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        try:
            response = testapp.get(url, headers=headers)
        finally:
            event.remove(self.engine, "before_cursor_execute", self._on_execute)
        assert response.status_int == 200, url
        return self.count


def _counts(testapp, counter, pages):
    return {name: counter.measure(testapp, url, headers) for name, url, headers in pages}


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_list_pages_run_as_many_queries_for_more_items(app, db, factory, testapp, log_in, who):
    site = Site(db, factory)
    site.add(N)
    if who == "member":
        site.follow()
        log_in(testapp, site.reader)
    counter = QueryCounter(db.engine)
    pages = PAGES + type_pages(app) + site.detail_pages() + (MEMBER_PAGES if who == "member" else [])
    before = _counts(testapp, counter, pages)
    site.add(2 * N)
    # The lists really show 3N items now (else the comparison proves nothing).
    assert len(testapp.get("/articles").html.select(".card h3 a")) >= 3 * N
    assert len(testapp.get("/agenda").html.select(".event-list h4 a")) >= 3 * N
    if who == "member":  # her feed's page is full, her home shows her feed and registrations
        assert len(testapp.get("/me/feed").html.select("#results .card")) == 20
        home = testapp.get("/").html
        assert len(home.select(".member-feed .card")) == 5 and len(home.select(".member-registrations li")) == 5
    for list_url, item_prefix in _list_links(app):
        shown = set(re.findall(rf'href="{re.escape(item_prefix)}(\d+)', testapp.get(list_url).text))
        assert len(shown) >= 3 * N, f"{list_url} shows {len(shown)} items"
    after = _counts(testapp, counter, pages)
    grew = {name: (before[name], after[name]) for name in before
            if after[name] != before[name] and name not in RANKED}
    over = {name: (before[name], after[name]) for name in RANKED if max(before[name], after[name]) > RANKED[name]}
    assert not over, f"a ranked page runs more statements than its budget: {over}"
    assert not grew, f"queries per page grow with the items shown (N={N} → {3 * N}): {grew}"


def _list_links(app):
    """Each listed type's list and how its items' links begin (``/article/``)."""
    with app.test_request_context():
        return [(url_for(t.list_endpoint), url_for(t.model.view_endpoint, id=0, slug="x").removesuffix("0-x"))
                for t in samples.listed_types()]


def test_query_count_header_only_when_asked(app, db, database_url, testapp):
    from webtest import TestApp

    assert "X-Query-Count" not in testapp.get("/healthz").headers
    counting = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "COUNT_QUERIES": True,
                                   "SEARCH_DIR": app.config["SEARCH_DIR"], "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    try:
        response = TestApp(counting).get("/healthz")
        assert int(response.headers["X-Query-Count"]) >= 1
    finally:
        with counting.app_context():
            from csti.extensions import db as _db

            _db.engine.dispose()


def test_survey_results_run_as_many_queries_whatever_the_responses_and_questions(app, db, factory, testapp, log_in):
    """A survey's results (and the statistics' evaluation figures) count in SQL: as many statements
    for 5 responses to 5 questions as for 15 responses to 10 questions (texts on several pages)."""
    from csti.blueprints.surveys.templates import create_survey
    from tests.surveys.results_data import ROWS, add_responses, make_event

    territory = factory.territory(slug="occitanie", name="Occitanie")
    owner = factory.user(email="orga@example.org", roles={territory: "animator"})
    survey = create_survey(owner, template="complete", content=make_event(db, territory, owner))
    db.session.commit()
    add_responses(db, survey, ROWS)
    log_in(testapp, owner)
    counter = QueryCounter(db.engine)
    year = datetime.now().year
    pages = [("results", f"/surveys/{survey.id}/results", {}),
             ("results page 2", f"/surveys/{survey.id}/results?question={survey.questions[-1].id}&page=2", {}),
             ("results summary", f"/surveys/{survey.id}/results?summary=1", HTMX),
             ("results CSV", f"/surveys/{survey.id}/results.csv", {}),
             ("compare", "/surveys/compare", {}),
             ("territory stats", f"/t/occitanie/stats?from={year - 2}-01-01&to={year}-12-31", {})]
    before = _counts(testapp, counter, pages)
    more = create_survey(owner, template="complete")  # its questions, moved to the first survey
    db.session.flush()
    for question in list(more.questions):
        question.survey_id = survey.id
    db.session.commit()
    db.session.refresh(survey)
    add_responses(db, survey, ROWS * 10, start=datetime(2025, 6, 1))
    after = _counts(testapp, counter, pages)
    assert len(testapp.get(f"/surveys/{survey.id}/results").html.select(".survey-result")) == 10
    assert before == after, f"queries grow with the responses and questions: {before} → {after}"


# --- "My loans" and "My loan requests" (csti/blueprints/resources/bookings.py) -----------------
LOAN_PAGES = [
    ("my loans", "/me/loans", {}),
    ("my loans filtered", "/me/loans?status=requested", {}),
    ("my loans fragment", "/me/loans", HTMX),
    ("my requests", "/me/requests", {}),
    ("my requests filtered", "/me/requests?status=accepted", {}),
    ("my requests fragment", "/me/requests", HTMX),
]


def _add_loans(db, factory, make_actor, territory, person, count):
    """``count`` bookings (every status), each of another resource owned by another structure and
    borrowed by another structure, all of whose ``person`` manages (with other members): every
    card shows its answer buttons, each permission reads its structures' members."""
    from csti.models import Resource
    from csti.models.resources import ACCEPTED, REQUESTED, Booking

    start = datetime.now().date() + timedelta(days=10)
    for _ in range(count):
        n = next(_seq)
        other = factory.user(email=f"membre{n}@example.org", name=f"Membre {n}", roles={territory: "member"})
        lender = make_actor(territory, title=f"Prêteur {n}", managers=[person], members=[other])
        borrower = make_actor(territory, title=f"Emprunteur {n}", managers=[person], members=[other])
        resource = Resource(title=f"Exposition {n}", territory=territory, author=other, resource_kind="exhibition")
        resource.owners = [lender]
        resource.add_tag(TAG)
        resource.publish()
        db.session.add(resource)
        db.session.flush()
        db.session.add(Booking(resource_id=resource.id, borrower_id=borrower.id, requested_by_id=other.id,
                               starts_on=start + timedelta(days=n), ends_on=start + timedelta(days=n + 1),
                               status=ACCEPTED if n % 2 else REQUESTED, message=f"Pour la classe {n}"))
    db.session.commit()


def test_my_loans_and_requests_run_as_many_queries_for_more_bookings(db, factory, make_actor, testapp, log_in):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    person = factory.user(email="gerante@example.org", name="Gérante", roles={territory: "member"})
    _add_loans(db, factory, make_actor, territory, person, N)
    log_in(testapp, person)
    counter = QueryCounter(db.engine)
    before = _counts(testapp, counter, LOAN_PAGES)
    _add_loans(db, factory, make_actor, territory, person, 2 * N)
    for url in ("/me/loans", "/me/requests"):  # 3N cards, each with its answer or cancel buttons
        cards = testapp.get(url).html.select("article.booking-card")
        assert len(cards) == 3 * N and all(card.select("form button") for card in cards), url
    after = _counts(testapp, counter, LOAN_PAGES)
    grew = {name: (before[name], after[name]) for name in before if after[name] != before[name]}
    assert not grew, f"queries per page grow with the bookings shown (N={N} → {3 * N}): {grew}"
