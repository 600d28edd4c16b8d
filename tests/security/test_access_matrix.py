"""The access matrix: roles × routes × objects (issue #19, docs/architecture.md §24).

Every rule of the URL map is classified in ``EXPECTED`` (a new endpoint without an entry fails
``test_every_endpoint_is_classified``); each entry says who may use the route, from the policy
(``("can", action, object)``: ``csti.policy.can`` decides) or a plain rule (public, logged in,
admins…) — never from the response. The routes are filled with the rows of the suite's site
(tests/security/world.py), and those that show one item are tried on each of its states too
(``VARIANTS``: pending, draft, kept for a group's members, a private dossier, a proposed
structure).

For every role (``world.ROLES``) and every GET route: allowed → 2xx/3xx (not a redirection to
the login page); refused → 400/401/403/404/410 or the login page (an unconfirmed account: the
redirection back with a message, ``sessions.refuse_unconfirmed``), and none of the private
items' titles in the body — nor in any page a visitor is answered; a 409 is the item's state,
not a role's; never a 5xx. For every unsafe route and every role the table refuses: the request
WITH a valid CSRF token (as htmx) is refused the same way (any 4xx) and the database is
unchanged. Allowed unsafe requests are not sent (they would change the site the next ones are
checked on): the feature suites and tests/test_permissions_table.py do them.

Public pages and mailed links are requested by four and two roles (``GET_ROLES``); the database is
snapshotted after each route that sent an unsafe request, and after any other whose row counts or
data version moved (``world.fingerprint``). One site, one browser per role, one test: about
1,900 requests (≈ 30 s of CPU on SQLite).
"""
from __future__ import annotations

from flask_login import AnonymousUserMixin
from webtest import TestApp

from csti.policy import can
from tests.conftest import isolated

from . import world as w
from .test_csrf import UNSAFE, _token

PUBLIC, TOKEN, LOGGED, CONFIRMED, ADMIN = "public", "token", "logged", "confirmed", "admin"
ANIMATORS_ANYWHERE = ("roles", {"animator", "animator_elsewhere", "admin"})


def c(action, obj=None):
    """Allowed when ``can(user, action, obj)`` — ``obj`` a name of world.ids ("territory":
    Occitanie; None: no object); in VARIANTS the route's own object replaces it."""
    return ("can", action, obj)


# endpoint -> (GET expectation, unsafe expectation); one value for both.
EXPECTED = {
    # --- public pages, lists, feeds, maps, files
    **{e: PUBLIC for e in (
        "main.index", "main.healthz", "main.set_language", "main.media", "static",
        "actors.index", "actors.export_csv", "actors.geojson", "events.structure_ics",
        "events.agenda", "events.agenda_geojson", "events.agenda_ics", "events.trainings", "events.event_ics",
        "events.territory_ics", "events.tag_ics",
        "announcements.index", "announcements.feed", "articles.index", "articles.feed", "articles.formats",
        "dossiers.index", "dossiers.feed", "groups.index", "groups.feed", "projects.index", "projects.feed",
        "resources.index", "resources.feed", "resources.calendar",
        "embed.generator", "embed.accent", "embed.agenda", "embed.news",
        "partners.index", "partners.show", "search.index", "search.suggest",
        "seo.robots", "seo.sitemap", "seo.sitemap_lists", "seo.sitemap_index",
        "tags.index", "tags.show", "tags.feed", "territories.home", "territories.theme", "territories.accents",
        "newsletters.archive", "newsletters.subscription", "newsletters.subscribe",
        "accounts.profile", "accounts.forgot", "accounts.resend_confirmation",
        "accounts.logout", "surveys.thanks",
        "api.index", "api.openapi", "api.search", "api.tags", "api.tags_item", "api.territories",
        "api.territories_item", "api.announcements", "api.articles", "api.dossiers", "api.events", "api.projects",
        "api.resources", "api.structures", "api.announcements_item", "api.articles_item", "api.dossiers_item",
        "api.events_item", "api.projects_item", "api.resources_item", "api.structures_item",
    )},
    # the forms to log in and register (a logged-in member is sent on: 3xx)
    "accounts.login": PUBLIC, "accounts.register": PUBLIC,
    # a link of a mail: a token, not a role, decides (a bad one: 4xx for everyone, never 5xx)
    **{e: TOKEN for e in ("accounts.confirm", "accounts.reset", "mailprefs.unsubscribe", "mailprefs.unsubscribe_post",
                          "newsletters.confirm", "newsletters.unsubscribe", "actors.import_confirm",
                          "surveys.answer")},
    # --- one item: the policy on the item
    "actors.show": c("view", "actor"), "announcements.show": c("view", "announcement"),
    "articles.show": c("view", "article"), "dossiers.show": c("view", "dossier"), "events.show": c("view", "event"),
    "groups.show": c("view", "group"), "pages.show": c("view", "page"), "projects.show": c("view", "project"),
    "resources.show": c("view", "resource"),
    "documents.download": c("view", "article"), "documents.preview": c("view", "article"),
    "actors.edit": c("edit", "actor"), "announcements.edit": c("edit", "announcement"),
    "articles.edit": c("edit", "article"), "dossiers.edit": c("edit", "dossier"), "events.edit": c("edit", "event"),
    "groups.edit": c("edit", "group"), "projects.edit": c("edit", "project"),
    "resources.edit": c("edit", "resource"),
    "actors.moderate": c("moderate", "actor"), "content.moderate": c("moderate", "article"),
    "content.feature": c("moderate", "article"), "content.take_down": c("take_down", "article"),
    "content.add_tag": c("tag", "article"), "content.remove_tag": c("tag", "article"),
    "documents.upload": c("edit", "article"), "documents.delete": c("edit", "article"),
    "discussion.comment": c("comment", "article"), "discussion.like": c("like", "article"),
    "discussion.delete": c("delete", "comment"), "discussion.edit_comment": c("edit", "comment"),
    # confirmed members report what others wrote (the comment is the member's, the article the author's)
    "discussion.report_view": ("fn", lambda role, url: role in {"member", "author", "manager", "animator_elsewhere",
                                                               "animator", "admin"}
                               and role != ("member" if url.startswith("/comments/") else "author")),
    "discussion.close": c("moderate", "article"), "discussion.hide": c("moderate", "article"),
    "actors.claim": c("join", "actor"),
    "dossiers.add_collaborator": c("manage_collaborators", "dossier"),
    # the owner removes a collaborator; a collaborator (the animator here) leaves
    "dossiers.remove_collaborator": ("roles", {"author", "animator", "admin"}),
    "dossiers.delete": c("delete", "dossier"), "dossiers.add_item": c("add_items", "dossier"),
    "dossiers.move_item": c("add_items", "dossier"), "dossiers.note": c("add_items", "dossier"),
    "dossiers.remove_item": c("add_items", "dossier"), "partners.flag": c("flag_partners", "dossier"),
    "events.cancel_view": LOGGED,  # cancels one's own registration
    "events.message": c("manage_registrations", "event"),
    "events.register_view": c("register", "event"), "events.registrants": c("manage_registrations", "event"),
    "events.registrants_csv": c("manage_registrations", "event"),
    "events.attendance": c("manage_registrations", "event"),
    "events.toggle_registration": c("manage_registrations", "event"),
    "groups.invite": c("manage_members", "group"), "groups.manage": c("manage_members", "group"),
    "groups.decide": c("manage_members", "group"), "groups.join": c("join", "group"),
    "groups.answer_invitation": LOGGED, "groups.leave": LOGGED,
    "projects.offer_help": c("offer_help", "project"), "projects.add_need": c("edit", "project"),
    "projects.set_need": c("edit", "project"), "projects.delete_need": c("edit", "project"),
    "projects.add_member": c("manage_team", "project"), "projects.remove_member": c("manage_team", "project"),
    "projects.add_update": c("edit", "project"),
    "resources.book": c("request_loan", "resource"), "resources.add_photo": c("edit", "resource"),
    "resources.remove_photo": c("edit", "resource"),
    "resources.booking_page": c("view_loan", "booking"), "resources.answer": c("answer_loan", "booking"),
    "actors.decide": c("edit", "actor"),
    "follows.toggle_follow": c("follow", "article"),
    "sanctions.new": c("suspend", "user:member"), "sanctions.lift_sanction": c("lift", "sanction"),
    # --- surveys: managed by their organiser and whoever may edit the item they evaluate
    **{e: c("manage", "survey") for e in (
        "surveys.edit", "surveys.hide_answer", "surveys.unhide_answer", "surveys.update_choice",
        "surveys.move_choice", "surveys.delete_choice", "surveys.delete", "surveys.qr", "surveys.add_question",
        "surveys.update_question", "surveys.move_question", "surveys.add_choice", "surveys.delete_question",
        "surveys.results", "surveys.export", "surveys.share")},
    "surveys.new": c("create_survey"), "surveys.mine": LOGGED, "surveys.compare": LOGGED,
    # --- a territory
    "territories.audit": c("view_audit", "territory"), "territories.audit_csv": c("view_audit", "territory"),
    "territories.roles": c("manage_roles", "territory"), "territories.appoint": c("manage_roles", "territory"),
    "territories.change_role": c("manage_roles", "territory"),
    "territories.settings": c("edit_settings", "territory"),
    "stats.territory": c("view_stats", "territory"), "stats.territory_csv": c("view_stats", "territory"),
    "territories.join": c("join", "territory"), "territories.leave": LOGGED,
    "newsletters.manage": c("moderate", "territory"),
    "newsletters.issue": c("moderate", "territory"),  # a draft: its animators only
    **{e: c("moderate", "territory") for e in (
        "newsletters.delete", "newsletters.edit", "newsletters.add_item", "newsletters.move_item",
        "newsletters.remove_item", "newsletters.picker", "newsletters.preview", "newsletters.preview_mail",
        "newsletters.send")},
    # animators of any territory (each imports into their own): the form offers those
    "actors.import_census": ANIMATORS_ANYWHERE, "newsletters.new": ANIMATORS_ANYWHERE,
    # --- the site's administration
    **{e: ADMIN for e in ("admin.index", "admin.audit", "admin.audit_csv", "stats.instance", "stats.instance_csv",
                          "admin.edit_territory", "admin.new_territory")},
    "content.moderation": ANIMATORS_ANYWHERE, "discussion.reports": ANIMATORS_ANYWHERE,
    # animators and the managers of a structure (claims to decide on): the borrower's is the member
    "actors.moderation": ("roles", {"member", "author", "manager", "animator_elsewhere", "animator", "admin"}), "sanctions.index": c("sanctions"),
    "tags.merge": c("merge_tags"), "actors.merge": c("merge_actors"),
    # --- one's own pages and forms
    **{e: LOGGED for e in (
        "accounts.settings", "accounts.export", "accounts.my_content", "accounts.logout_everywhere",
        "accounts.change_password", "accounts.edit_profile", "accounts.leave_structure", "accounts.delete",
        "dossiers.mine", "myfeed.welcome", "myfeed.index", "follows.mine", "resources.my_loans",
        "mailprefs.settings", "events.my_registrations", "resources.my_requests", "discussion.notifications",
        "discussion.read_notifications", "accounts.revoke_api_key", "dossiers.picker", "dossiers.quick_create",
        "content.preview")},
    "accounts.api_keys": (LOGGED, c("create_api_key")),
    # creating: any confirmed member proposes (reviewed as the territory's policy says)
    **{e: CONFIRMED for e in ("actors.create", "announcements.create", "articles.create", "dossiers.create",
                              "events.create", "groups.create", "projects.create", "resources.create")},
    # pages are editorial: animators (for their territory) and admins write them — not their authors
    "pages.create": ANIMATORS_ANYWHERE, "pages.edit": ("roles", {"animator", "admin"}),
}

# Routes that show or change one item, tried on each state of the item too: endpoint -> names
# of world.ids (the first, the route's default object, is tried anyway).
VARIANTS = {
    "articles.show": ("pending", "draft", "minutes"), "articles.edit": ("pending", "draft", "minutes"),
    "events.show": ("meeting",), "events.edit": ("meeting",),
    "dossiers.show": ("private_dossier",), "dossiers.edit": ("private_dossier",),
    "actors.show": ("pending_actor",), "actors.edit": ("pending_actor",),
    "discussion.comment": ("minutes", "pending"), "content.take_down": ("minutes", "draft"),
    "documents.download": ("minutes_document", "draft_document"),
    "documents.preview": ("minutes_document", "draft_document"),
}
# A variant that is not the item itself: the item the policy is asked about.
VARIANT_OBJECTS = {"minutes_document": "minutes", "draft_document": "draft"}


# GET routes that change one's own data, as they should: the language chosen is remembered on the
# account, the notifications page marks them read.
SIDE_EFFECTS = {"main.set_language", "discussion.notifications"}


# The roles a public page (or a mailed link) is requested by: it answers everyone, and renders
# differently only for the logged-in, the animators and the admins (the ones sent).
GET_ROLES = {PUBLIC: ("anonymous", "member", "animator", "admin"), TOKEN: ("anonymous", "member")}


def _user(db, world, role):
    from csti.models import User

    if role in ("anonymous", "suspended"):  # the user loader refuses a suspended member's session
        return AnonymousUserMixin()
    return db.session.get(User, world.users[role])


def _object(db, world, name):
    from csti.models import AccountSanction, Content, Territory
    from csti.models.discussion import Comment
    from csti.models.resources import Booking
    from csti.models.surveys import Survey

    if name is None:
        return None
    if name == "territory":
        return db.session.scalar(db.select(Territory).where(Territory.slug == "occitanie"))
    if name.startswith("user:"):
        return _user(db, world, name[5:])
    model = {"comment": Comment, "booking": Booking, "survey": Survey, "sanction": AccountSanction}.get(name, Content)
    return db.session.get(model, world.ids[name])


def allowed(db, world, spec, role, obj_name=None, url="") -> bool | None:
    """What the table says ``role`` may do (None: not a question of role)."""
    if spec == TOKEN:
        return None
    if spec == PUBLIC:
        return True
    user = _user(db, world, role)
    authenticated = user.is_authenticated
    if spec == LOGGED:
        return authenticated
    if spec == CONFIRMED:
        return authenticated and user.is_confirmed
    if spec == ADMIN:
        return authenticated and user.is_admin
    if spec[0] == "roles":
        return role in spec[1]
    if spec[0] == "fn":
        return spec[1](role, url)
    _, action, default = spec
    return can(user, action, _object(db, world, obj_name or default))


def test_every_endpoint_is_classified(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(endpoints - set(EXPECTED)) == [], "classify the new endpoints in EXPECTED"
    assert sorted(set(EXPECTED) - endpoints) == [], "endpoints that no longer exist"


def _refused(response, role=None) -> bool:
    if response.status_int in (400, 401, 403, 404, 410):
        return True
    if role == "unconfirmed" and response.status_int == 303:
        return True  # sessions.refuse_unconfirmed: the message flashed, back to the page
    return response.status_int in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def _id_arg(rule):
    return "id" if "id" in rule.arguments else "content_id"


def test_roles_routes_objects(app, db, factory, log_in):
    world = w.build(factory)
    clients = {}
    for role in w.ROLES:
        client = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "fr"})
        if role != "anonymous":
            from csti.models import User

            log_in(client, db.session.get(User, world.users[role]))
        clients[role] = client
    tokens = {role: _token(client) for role, client in clients.items()}
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    failures, checked = [], 0
    before, mark = w.snapshot(db), w.fingerprint(db)
    for rule in rules:
        entry = EXPECTED[rule.endpoint]
        get_spec, unsafe_spec = entry if isinstance(entry, tuple) and entry[0] not in ("can", "roles", "fn") \
            else (entry, entry)
        cases = [(w.fill(rule, world), None)]
        for name in VARIANTS.get(rule.endpoint, ()):
            cases.append((w.fill(rule, world, **{_id_arg(rule): world.ids[name]}), VARIANT_OBJECTS.get(name, name)))
        sent = False
        for url, obj_name in cases:
            for role in w.ROLES:
                client = clients[role]
                if "GET" in rule.methods and role in (GET_ROLES.get(get_spec, w.ROLES) if isinstance(get_spec, str) else w.ROLES):
                    expected = allowed(db, world, get_spec, role, obj_name, url)
                    response = client.get(url, expect_errors=True)
                    checked += 1
                    problem = _judge(response, expected, world, role)
                    if problem:
                        failures.append(f"GET {url} [{rule.endpoint}] as {role}: {problem}")
                for method in sorted(rule.methods & UNSAFE):
                    if allowed(db, world, unsafe_spec, role, obj_name, url) is not False:
                        continue  # allowed (or a token's business): not sent, see the docstring
                    response = getattr(client, method.lower())(
                        url, {"csrf_token": tokens[role], "title": "Accès", "reason": "Accès", "body": "Accès"},
                        headers={"X-CSRFToken": tokens[role], "HX-Request": "true"}, expect_errors=True)
                    checked += 1
                    sent = True
                    if response.status_int >= 500:
                        failures.append(f"{method} {url} [{rule.endpoint}] as {role}: {response.status}")
                    elif not (_refused(response) or 400 <= response.status_int < 500):
                        failures.append(f"{method} {url} [{rule.endpoint}] as {role}: allowed ({response.status} "
                                        f"{response.headers.get('Location', '')})")
        now = w.fingerprint(db)
        if not (sent or rule.endpoint in SIDE_EFFECTS or now != mark):
            continue  # nothing sent could have written, and no count nor the data version moved
        after, mark = w.snapshot(db), now
        changed = w.changes(before, after)
        if changed and rule.endpoint not in SIDE_EFFECTS:
            failures.append(f"{rule.endpoint}: refused requests changed {changed}")
        before = after
    if w.changes(before, w.snapshot(db)):
        failures.append(f"the GET requests since the last check changed {w.changes(before, w.snapshot(db))}")
    assert checked > 1800
    assert failures == [], "\n".join(failures)


def _judge(response, expected, world, role) -> str | None:
    status = response.status_int
    if status >= 500:
        return f"server error {response.status}"
    if expected is None:
        return None
    if role in ("anonymous", "suspended") and status < 300:
        # whatever the page (a list, a feed, a map, the search, the API), a visitor never reads
        # the title of a draft, a pending item, a group's minutes or a private dossier
        body = response.body.decode("utf-8", "replace")
        shown = [title for title in world.private_titles if title in body]
        if shown:
            return f"shows {shown} to a visitor"
    if status == 409:
        return None  # the item's state (a draft cannot be taken down, one is in the team already): not a role's
    if expected:
        return f"refused ({response.status} {response.headers.get('Location', '')})" if _refused(response) \
            or status >= 400 else None
    if not _refused(response, role):
        return f"allowed ({response.status} {response.headers.get('Location', '')})"
    body = response.text if response.content_type.startswith("text/") else ""
    shown = [title for title in world.private_titles if title in body]
    return f"refused, yet shows {shown}" if shown else None
