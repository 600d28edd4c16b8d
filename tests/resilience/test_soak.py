"""A soak (docs/architecture.md §25): a real gunicorn (``gunicorn.conf.py``, 2 workers, the page
cache on, as in production) on loopback serves concurrent clients for ``CSTI_SOAK_SECONDS``
(60 by default; ``.ci/run`` gives the PostgreSQL pass 180): anonymous visitors wander from page to
page (lists, items, search, feeds, the API), members follow, register, comment, publish and edit
articles. No 5xx at all, no answer outside what each action expects, no worker died, and each
worker's memory after the warm-up stays within a bound (see ``MEMORY_BOUND_KB``)."""
import os
import random
import re
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from ..databases import scratch_database
from .server import Answers, client, csrf_token, gunicorn, make_app, noting_errors, rss_kb, session_cookie

pytestmark = pytest.mark.slow

SECONDS = int(os.environ.get("CSTI_SOAK_SECONDS", "60"))
VISITORS = 4
MEMBERS = 3
# Memory: each worker's bounded caches fill during the run (the page cache PAGE_CACHE_MB, 8; the
# search postings SEARCH_CACHE_MB, 8; written VEVENTs ICAL_CACHE_MB, 4) — the soak gives them 2, 2
# and 1 MB, so that 5 MB of legitimate growth leave room to see a leak; plus the allocator's and
# SQLAlchemy's statement caches settling. Growth past 15 MB after the warm-up is a leak (a leak
# of 1 KB a request shows as ~10 MB over the default minute's requests).
MEMORY_BOUND_KB = 15 * 1024
SKIP = ("/static/", "/uploads/", "/media/", "/logout", "/log-out", "/admin")


def _dataset(url, folder):
    """A small network: two territories, structures, articles, events (some with few places),
    resources, tags, and members of the first territory."""
    from csti.blueprints.events.schedule import schedule
    from csti.extensions import db
    from csti.models import Actor, Article, Event, Resource, Territory, User
    from csti.models.base import utcnow
    from csti.models.territories import Membership

    app = make_app(url, folder)
    with app.app_context():
        db.create_all()
        territories = [Territory(slug="occitanie", name="Occitanie"), Territory(slug="bretagne", name="Bretagne")]
        author = User(email="autrice@example.org", name="Autrice", password_hash="!", email_confirmed_at=utcnow())
        members = [User(email=f"membre{n}@example.org", name=f"Membre {n}", password_hash="!",
                        email_confirmed_at=utcnow()) for n in range(MEMBERS)]
        db.session.add_all([*territories, author, *members])
        db.session.flush()
        for user in [author, *members]:
            db.session.add(Membership(user_id=user.id, territory_id=territories[0].id, role="contributor"))
        words = ["étoiles", "robotique", "biodiversité", "climat", "chimie", "océans", "volcans", "abeilles"]
        start = datetime.now().replace(minute=0, second=0, microsecond=0)
        for n in range(40):
            territory = territories[n % 2]
            word = words[n % len(words)]
            actor = Actor(title=f"Association {word} {n}", actor_kind="association", territory=territory,
                          summary=f"Ateliers de {word} pour tous.")
            article = Article(title=f"Comprendre {word} ({n})", territory=territory, author=author,
                              summary=f"Un article sur {word}.", body=f"Tout sur **{word}**.\n\n" * 5)
            event = Event(title=f"Atelier {word} {n}", territory=territory, author=author,
                          summary=f"Un atelier de {word}.", body="Venez nombreux.",
                          registration_mode="site" if n % 3 == 0 else "none",
                          capacity=2 if n % 3 == 0 else None, waiting_list=True)
            schedule(event, start + timedelta(days=n + 1, hours=18), start + timedelta(days=n + 1, hours=20))
            resource = Resource(title=f"Mallette {word} {n}", territory=territory, author=author)
            for item in (actor, article, event, resource):
                item.add_tag(word)
                item.publish()
                db.session.add(item)
        db.session.commit()
        ids = {"members": [m.id for m in members]}
        db.session.remove()
        db.engine.dispose()
    return app, ids


class Tally(Answers):
    def __init__(self):
        super().__init__(keep=50)

    @property
    def requests(self) -> int:
        with self.lock:
            return self.answers.total()

    def note(self, what, response, expected=(200, 301, 302, 303, 304)):
        wrong = None
        if response.status_code not in expected:
            wrong = f"{what} {response.request.method} {response.request.url} → {response.status_code}"
        self.count(response.status_code, wrong)


def _links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        parts = urlsplit(href.replace("&amp;", "&"))
        if parts.netloc and parts.netloc != "127.0.0.1" and not parts.netloc.startswith("127.0.0.1:"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/") and not path.startswith(SKIP):
            found.append(path)
    return found


# Links that lead to an error on purpose: the API's page shows what an error looks like.
KNOWN_ERRORS = {"/api/v1/events?start=tomorrow": (400,)}

SEEDS = ["/", "/articles", "/agenda", "/actors", "/resources", "/search?q=étoiles", "/search?q=climat+chimie",
         "/search?q=volcan", "/articles.atom", "/agenda.ics", "/api/v1/articles", "/api/v1/events",
         "/api/v1/search?q=abeilles", "/sitemap.xml", "/t/occitanie", "/t/bretagne"]


def _visitor(tally, server, stop, seed):
    """An anonymous visitor: a page, then one of its links, sometimes back to a seed."""
    rng = random.Random(seed)
    seen = list(SEEDS)
    with client(server) as http:
        path = rng.choice(SEEDS)
        while not stop.is_set():
            response = http.request("GET", path)
            tally.note("visitor", response, expected=(200, 301, 302, 303, 304, *KNOWN_ERRORS.get(path, ())))
            if response.is_redirect:
                path = response.headers["location"]
                continue
            if "html" in response.headers.get("content-type", ""):
                links = _links(response.text)
                if links:
                    seen.extend(rng.sample(links, min(3, len(links))))
                    del seen[:-300]
            path = rng.choice(SEEDS) if rng.random() < 0.15 else rng.choice(seen)


def _form_data(html: str, form_id: str) -> dict:
    """The fields of the page's form ``form_id``, as a browser sends them."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    assert form is not None, f"no form #{form_id}"
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name:
            continue
        if field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", chosen.text) if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") not in ("file", "submit", "button", "image"):
            data[name] = field.get("value", "")
    return data


def _member(tally, server, stop, cookie, seed, published):
    """A member: follows, registers, comments, publishes and edits articles, reads."""
    rng = random.Random(seed)
    with client(server, cookie) as http:
        while not stop.is_set():
            page = http.get(f"/articles?page={rng.randint(1, 2)}")
            tally.note("member list", page)
            items = sorted(set(re.findall(r'href="(/article/\d+-[^"]+)"', page.text)))
            action = rng.choice(["follow", "register", "comment", "publish", "edit", "read", "read"])
            if action in ("follow", "comment", "read") and items:
                item = http.get(rng.choice(items))
                tally.note("member item", item)
                content_id = int(re.search(r"/article/(\d+)", str(item.url)).group(1))
                token = csrf_token(item.text)
                if action == "follow":
                    answer = http.post(f"/follow/content/{content_id}",
                                       data={"csrf_token": token, "follow": rng.choice("01")})
                    tally.note("follow", answer)
                elif action == "comment":
                    answer = http.post(f"/content/{content_id}/comments",
                                       data={"csrf_token": token, "body": f"Merci pour cet article ({seed}) !"})
                    tally.note("comment", answer)
            elif action == "register":
                agenda = http.get("/agenda")
                tally.note("agenda", agenda)
                events = sorted(set(re.findall(r'href="(/event/\d+-[^"]+)"', agenda.text)))
                if events:
                    event = http.get(rng.choice(events))
                    tally.note("event", event)
                    event_id = int(re.search(r"/event/(\d+)", str(event.url)).group(1))
                    if f"/event/{event_id}/register" in event.text:
                        answer = http.post(f"/event/{event_id}/register", data={"csrf_token": csrf_token(event.text)})
                        tally.note("register", answer, expected=(303, 409))  # 409: already registered
            elif action == "publish":
                form = http.get("/articles/new")
                tally.note("new article", form)
                data = _form_data(form.text, "article-form")
                data.update(title=f"Soak {seed} {rng.randint(0, 10**6)}", summary="Un résumé.",
                            body="Un article écrit pendant l’essai d’endurance.", action="publish")
                answer = http.post("/articles/new", data=data)
                tally.note("publish", answer, expected=(303,))
                if answer.status_code == 303:
                    found = re.search(r"/article/(\d+)", answer.headers["location"])
                    if found:
                        published.append(int(found.group(1)))
            elif action == "edit" and published:
                article_id = rng.choice(published)
                form = http.get(f"/article/{article_id}/edit")
                tally.note("edit form", form)
                if form.status_code == 200:
                    data = _form_data(form.text, "article-form")
                    data.update(body=f"Corrigé à {time.monotonic():.0f}.", action="publish")
                    answer = http.post(f"/article/{article_id}/edit", data=data)
                    tally.note("edit", answer, expected=(303,))


def test_a_soak_of_mixed_reads_and_writes_answers_without_errors_or_growth(tmp_path):
    with scratch_database(tmp_path, "soak") as url:
        app, ids = _dataset(url, tmp_path)
        cookies = [session_cookie(app, user) for user in ids["members"]]
        from csti.extensions import db

        with app.app_context():
            db.engine.dispose()
        tally, errors, stop = Tally(), [], threading.Event()
        with gunicorn(url, tmp_path, CSTI_PAGE_CACHE_MB="2", CSTI_SEARCH_CACHE_MB="2",
                      CSTI_ICAL_CACHE_MB="1") as server:
            workers = server.wait_workers(2)
            published = {}  # member → the articles they published (and may edit)
            threads = [threading.Thread(target=noting_errors, args=(_visitor, errors, tally, server, stop, n))
                       for n in range(VISITORS)]
            threads += [threading.Thread(target=noting_errors, args=(_member, errors, tally, server, stop, cookie, n,
                                                              published.setdefault(n, [])))
                        for n, cookie in enumerate(cookies)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            warm_up = SECONDS / 2
            samples = []  # (seconds, {pid: KiB}) every 5 s, for the report
            while (now := time.monotonic() - started) < SECONDS:
                samples.append((round(now), {pid: rss_kb(pid) for pid in workers}))
                if now >= warm_up and "before" not in locals():
                    requests_warm = tally.requests
                    before = samples[-1][1]
                time.sleep(min(5.0, max(0.05, SECONDS - now)))
            after = {pid: rss_kb(pid) for pid in workers}
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            elapsed = time.monotonic() - started
            alive = server.workers()
            log = server.log_text()

        rate = tally.requests / elapsed
        print(f"\nsoak: {tally.requests} requests in {elapsed:.0f} s ({rate:.1f}/s; "
              f"{tally.requests - requests_warm} after the warm-up), answers {dict(sorted(tally.answers.items()))}, "
              f"{sum(map(len, published.values()))} articles published; worker RSS (KiB) after warm-up {before}, at the end {after}; every 5 s {samples}")
        assert not errors, "\n".join(errors)
        assert not [s for s in tally.answers if s >= 500], (tally.answers, tally.wrong, log)
        assert not tally.wrong, tally.wrong
        assert sorted(alive) == sorted(workers), f"a worker died: {workers} → {alive}\n{log}"
        assert "Traceback" not in log, log
        assert any(published.values()), "no member could publish"
        for pid in workers:
            assert after[pid] - before[pid] <= MEMORY_BOUND_KB, f"worker {pid}: {before[pid]} → {after[pid]} KiB"
