"""The hardening suite's site (docs/architecture.md §24): the shared sample site
(tests/sample_site.py: one item of every listed kind) plus one row of everything else a route
can name (a comment, a report, a loan, a claim, a survey with its questions and an answer, a
newsletter, a document, a sanction, an API key…), one user per role, and ``fill(rule)``: a
concrete URL for any rule of the URL map, its arguments taken from these rows.

``ARGUMENTS`` is keyed by the rule's first path segment and the argument's name (the same
``<int:id>`` names an article under /article/ and a survey's question under /surveys/): a new
route whose arguments are not in it cannot be filled, and the suite fails naming it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from csti.blueprints.actors.operations import add_member
from csti.blueprints.documents.operations import attach_document
from csti.blueprints.surveys.templates import create_survey
from csti.models import Article, Dossier, GroupMember, Membership, Report
from csti.models.actors import MANAGER, Actor, ClaimRequest
from csti.models.apikeys import ApiKey
from csti.models.base import utcnow
from csti.models.discussion import Comment
from csti.models.documents import Document
from csti.models.events import Event, Registration
from csti.models.groups import WorkingGroup
from csti.models.newsletters import NewsletterIssue
from csti.models.projects import Project, ProjectNeed
from csti.models.resources import Booking, Resource, ResourcePhoto
from csti.models.sanctions import AccountSanction
from csti.models.surveys import Answer, Response
from csti.models.tags import Tag

from .. import sample_site
from ..documents import files

# The roles of the access matrix, each a user of the site (anonymous: none).
ROLES = ("anonymous", "unconfirmed", "member", "author", "manager", "animator_elsewhere", "animator",
         "admin", "suspended")

# Tables a refused request may still write: counters, sessions, visits, the page cache's version.
VOLATILE_TABLES = frozenset({"rate_counter", "user_session", "visit_day", "visit_hash", "visit_salt",
                             "data_version", "search_outbox", "api_key"})


@dataclass
class World:
    users: dict  # role -> User id (anonymous absent)
    ids: dict  # name -> id
    slugs: dict = field(default_factory=dict)
    strings: dict = field(default_factory=dict)
    private_titles: tuple = ()  # titles a refused response must never show


def build(factory) -> World:
    """Fill the database (through tests.factories.Factory); return the ids the routes need."""
    db = factory.db
    site = sample_site.build(factory)
    from csti.models import Territory, User

    users = {role: db.session.scalar(db.select(User.id).where(User.email == site[role]))
             for role in ("admin", "animator", "author", "member")}
    occitanie = db.session.scalar(db.select(Territory).where(Territory.slug == "occitanie"))
    bretagne = db.session.scalar(db.select(Territory).where(Territory.slug == "bretagne"))
    get = db.session.get
    author, member, admin = get(User, users["author"]), get(User, users["member"]), get(User, users["admin"])
    unconfirmed = factory.user(email="nouveau@example.org", name="Nina Nouvelle", confirmed=False,
                               roles={occitanie: "member"})
    manager = factory.user(email="gestion@example.org", name="Guy Gestionnaire", roles={occitanie: "member"})
    elsewhere = factory.user(email="bretagne@example.org", name="Bea Bretagne", roles={bretagne: "animator"})
    suspended = factory.user(email="suspendu@example.org", name="Sam Suspendu", roles={occitanie: "member"})
    users.update(unconfirmed=unconfirmed.id, manager=manager.id, animator_elsewhere=elsewhere.id,
                 suspended=suspended.id)
    samples = site["samples"]
    museum_id = int(site["actor"].split("/")[2].split("-")[0])
    museum = get(Actor, museum_id)
    add_member(museum, manager, MANAGER)
    borrower = sample_site.make_actor(db, occitanie, "École emprunteuse", managers=[member])
    pending_actor = sample_site.make_actor(db, occitanie, "Structure proposée", status="pending", author=author)
    db.session.add(AccountSanction(user_id=suspended.id, kind="suspend", reason="Spam", territory_id=occitanie.id,
                                   ends_at=utcnow() + timedelta(days=7), by_id=admin.id))

    article = get(Article, samples["article"][0])
    event = get(Event, samples["event"][0])
    project = get(Project, samples["project"][0])
    resource = get(Resource, samples["resource"][0])
    group = get(WorkingGroup, samples["group"][0])
    dossier = get(Dossier, samples["dossier"][0])
    pending = db.session.scalar(db.select(Article).where(Article.status == "pending"))
    minutes = db.session.scalar(db.select(Article).where(Article.members_only.is_(True)))
    meeting = db.session.scalar(db.select(Event).where(Event.members_only.is_(True)))
    private = db.session.scalar(db.select(Dossier).where(Dossier.is_private.is_(True)))
    draft = Article(title="Brouillon confidentiel de Paul", territory=occitanie, author=author, status="draft",
                    summary="Pas encore prêt.")
    db.session.add(draft)

    comment = Comment(content_id=article.id, author_id=member.id, body="Merci !", body_html="<p>Merci !</p>")
    db.session.add(comment)
    db.session.flush()
    report = Report(content_id=article.id, reporter_id=member.id, reason="Hors sujet")
    claim = ClaimRequest(user_id=member.id, actor_id=museum.id, message="Je travaille ici.")
    need = ProjectNeed(project_id=project.id, kind="skills", description="Un graphiste")
    db.session.add_all([report, claim, need,
                        GroupMember(group_id=group.id, user_id=unconfirmed.id)])
    registration = db.session.scalar(db.select(Registration).where(Registration.event_id == event.id))
    start = date.today() + timedelta(days=30)
    booking = Booking(resource_id=resource.id, borrower_id=borrower.id, requested_by_id=member.id,
                      starts_on=start, ends_on=start + timedelta(days=2))
    db.session.add(booking)
    survey = create_survey(author, template="complete", content=event)
    survey.published = True
    db.session.flush()
    question = survey.questions[0]
    choice_question = next((q for q in survey.questions if q.choices), None)
    choice = choice_question.choices[0] if choice_question else None
    response = Response(survey_id=survey.id, device_hash="0" * 64, nonce="1" * 64)
    db.session.add(response)
    db.session.flush()
    answer = Answer(response_id=response.id, question_id=question.id, text="Très bien")
    db.session.add(answer)
    issue = NewsletterIssue(territory_id=occitanie.id, subject="Lettre de décembre", created_by_id=users["animator"])
    key = ApiKey(user_id=member.id, name="Mon script", prefix="abcdefgh", key_hash="f" * 64)
    db.session.add_all([issue, key])
    db.session.flush()
    document = attach_document(article, files.pdf_bytes(), "Programme", "programme.pdf", author)
    kept = {name: attach_document(item, files.pdf_bytes(), "Programme", "programme.pdf", author)
            for name, item in (("minutes", minutes), ("draft", draft))}  # the documents of private items
    photo = db.session.scalar(db.select(ResourcePhoto).where(ResourcePhoto.resource_id == resource.id))
    sanction = db.session.scalar(db.select(AccountSanction).where(AccountSanction.user_id == suspended.id))
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == users["member"]))
    db.session.commit()
    document = get(Document, document.id)
    ids = {
        "article": article.id, "pending": pending.id, "draft": draft.id, "minutes": minutes.id,
        "event": event.id, "meeting": meeting.id, "project": project.id, "resource": resource.id,
        "group": group.id, "dossier": dossier.id, "private_dossier": private.id, "actor": museum.id,
        "pending_actor": pending_actor.id, "borrower": borrower.id,
        "announcement": samples["announcement"][0], "page": site["page_id"],
        "comment": comment.id, "report": report.id, "claim": claim.id, "need": need.id,
        "registration": registration.id if registration else 0, "booking": booking.id,
        "survey": survey.id, "question": question.id, "choice": choice.id if choice else 0,
        "answer": response.id, "issue": issue.id, "key": key.id, "document": document.id,
        "photo": photo.id if photo else 0, "territory": occitanie.id,
        **{f"{name}_document": doc.id for name, doc in kept.items()},
        "tag": db.session.scalar(db.select(Tag.id).where(Tag.slug == "astronomie")), "sanction": sanction.id, "membership": membership.id,
    }
    ids.update({f"user:{role}": uid for role, uid in users.items()})
    return World(users=users, ids=ids,
                 slugs={"territory": "occitanie", "tag": "astronomie", "article": article.slug},
                 strings={"survey_token": survey.token, "document_filename": document.filename,
                          "media": photo.path if photo else "", "content_kind": "article"},
                 private_titles=(private.title, draft.title, minutes.title, pending.title))


def _i(name):
    return lambda w: str(w.ids[name])


# (first path segment, argument) -> value; "*" matches any first segment.
ARGUMENTS = {
    ("*", "slug"): lambda w: w.slugs["territory"],
    ("tags", "slug"): lambda w: w.slugs["tag"],
    ("admin", "slug"): lambda w: w.slugs["territory"],
    ("*", "content_id"): _i("article"),
    ("*", "user_id"): _i("user:member"),
    ("dossier", "user_id"): _i("user:animator"),  # a collaborator of the dossier
    ("*", "survey_id"): _i("survey"),
    ("*", "question_id"): _i("question"),
    ("*", "choice_id"): _i("choice"),
    ("*", "answer_id"): _i("answer"),
    ("*", "comment_id"): _i("comment"),
    ("*", "report_id"): _i("report"),
    ("*", "claim_id"): _i("claim"),
    ("*", "booking_id"): _i("booking"),
    ("*", "need_id"): _i("need"),
    ("*", "photo_id"): _i("photo"),
    ("*", "sanction_id"): _i("sanction"),
    ("*", "key_id"): _i("key"),
    ("*", "actor_id"): _i("actor"),
    ("*", "registration_id"): _i("registration"),
    ("*", "membership_id"): _i("membership"),
    ("*", "tag_slug"): lambda w: w.slugs["tag"],
    ("*", "token"): lambda w: "not-a-real-token",
    ("s", "token"): lambda w: w.strings["survey_token"],
    ("documents", "filename"): lambda w: w.strings["document_filename"],
    ("static", "filename"): lambda w: "css/csti.css",
    ("media", "path"): lambda w: w.strings["media"],
    ("partners", "code"): lambda w: "libraries",
    ("lang", "code"): lambda w: "en",
    ("follow", "key"): lambda w: str(w.ids["article"]),
    ("sitemap-<kind>-<int:page>.xml", "kind"): lambda w: "article",
    ("sitemap-<kind>-<int:page>.xml", "page"): lambda w: "1",
    # <int:id> by the section it is in
    ("actor", "id"): _i("actor"), ("announcement", "id"): _i("announcement"), ("article", "id"): _i("article"),
    ("documents", "id"): _i("document"), ("dossier", "id"): _i("dossier"), ("event", "id"): _i("event"),
    ("group", "id"): _i("group"), ("newsletters", "id"): _i("issue"), ("page", "id"): _i("page"),
    ("project", "id"): _i("project"), ("resource", "id"): _i("resource"), ("t", "id"): _i("issue"),
    ("api", "id"): _i("article"),  # each /api/v1/<kind>/<id> is filled by fill_api below
}
API_IDS = {"announcements": "announcement", "articles": "article", "dossiers": "dossier", "events": "event",
           "projects": "project", "resources": "resource", "structures": "actor", "tags": "tag",
           "territories": "territory"}
# Query strings a route needs to answer at all (the words searched, the colour of a widget).
QUERIES = {"api.search": "?q=ciel", "embed.accent": "?color=%23336699", "search.suggest": "?q=ciel"}

_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


def first_segment(rule) -> str:
    path = rule.rule.lstrip("/")
    return path.split("/", 1)[0]


def missing_arguments(rule) -> list[str]:
    """The arguments of ``rule`` this module cannot fill."""
    anys = {name for _, name in _ANY.findall(rule.rule)}
    seg = first_segment(rule)
    return [a for a in sorted(rule.arguments)
            if a not in anys and (seg, a) not in ARGUMENTS and ("*", a) not in ARGUMENTS]


def fill(rule, world: World, **override) -> str:
    """The concrete URL of ``rule`` on ``world`` (``override``: argument -> value)."""
    missing = missing_arguments(rule)
    if missing:
        raise LookupError(f"{rule.endpoint} {rule.rule}: cannot fill {missing}")
    values = {name: options.split(",")[0].strip().strip("'\"") for options, name in _ANY.findall(rule.rule)}
    seg = first_segment(rule)
    for name in rule.arguments:
        if name in values:
            continue
        spec = ARGUMENTS.get((seg, name)) or ARGUMENTS[("*", name)]
        values[name] = spec(world)
    if seg == "api" and "id" in rule.arguments:
        kind = rule.rule.split("/")[3]
        values["id"] = str(world.ids[API_IDS.get(kind, kind)])
    if rule.endpoint.endswith(".show") and "slug" in rule.arguments and "id" in rule.arguments:
        values["slug"] = "x"  # any slug: the page redirects to the right one
    values.update({k: str(v) for k, v in override.items()})
    query = QUERIES.get(rule.endpoint, "")
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[^<>:]+:)?" + re.escape(name) + r">", values[name], url)
        url = re.sub(r"<any\([^)]*\):" + re.escape(name) + r">", values[name], url)
    return url + query


def snapshot(db) -> dict:
    """Every row of every table but the volatile ones: what a refused request must leave as it was."""
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        rows = db.session.execute(table.select()).all()
        state[table.name] = sorted(repr(tuple(r)) for r in rows)
    db.session.rollback()
    return state


def fingerprint(db) -> tuple:
    """One query: the row count of every table and the data version (bumped by every ORM write of
    a shown table, csti/pagecache.py) — what ``snapshot`` is taken again for when it moves."""
    from sqlalchemy import func, select

    columns = [select(func.count()).select_from(t).scalar_subquery().label(f"n{i}")
               for i, t in enumerate(db.metadata.sorted_tables)]
    from csti.models.cache import DataVersion

    columns.append(select(DataVersion.value).where(DataVersion.id == 1).scalar_subquery().label("version"))
    db.session.rollback()
    row = tuple(db.session.execute(select(*columns)).one())
    db.session.rollback()
    return row


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]
