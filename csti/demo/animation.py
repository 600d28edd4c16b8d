"""Demo animation (issue 15), in Occitanie, so that the animators' pages have something to show
and something to do:

- left open for the visitor: a report on a published post; a spammer — a new account, contributor
  of the territory — whose two posts with links wait in the moderation queue because of the spam
  signals (through the real ``moderation.submit``, so ``queued_because`` says why), with one
  published post and one published comment with a link; two records of one fablab
  ("Fablab Artilect" / "Artilect FabLab", an event each) to merge;
- already done, through the real operations (so the audit log has them): a post taken down by
  Claire with her reason, and a member's suspension, given then lifted.

Runs once: the spammer's account marks it done.
"""
from datetime import datetime, time, timedelta

from flask import current_app, has_request_context
from sqlalchemy import select

from ..blueprints.actors.operations import set_location
from ..blueprints.discussion.operations import add_comment, report
from ..blueprints.events.schedule import schedule
from ..dates import local_zone
from ..extensions import db
from ..models import AuditLog, Membership, User
from ..models.actors import Actor
from ..models.articles import Article
from ..models.base import utcnow
from ..models.events import Event
from ..models.territories import ROLE_CONTRIBUTOR, ROLE_MEMBER

SPAMMER = ("bons.plans.3d@exemple.com", "Kévin Bonplan")
SUSPENDED = ("bastien.roux@csti.example", "Bastien Roux")
ANIMATOR = "claire.martin@csti.example"
SPAM_SITE = "https://imprimantes-pas-cheres.example.com"

REPORTED = ("Vente de kits de robotique à prix réduit",
            "Des kits neufs à vendre, contactez-moi en message privé.",
            "Je vends une vingtaine de kits de robotique, encore emballés. Prix à débattre, "
            "contactez-moi en message privé.")
REPORT_REASON = "Annonce commerciale entre particuliers, sans rapport avec la culture scientifique."
TAKEN_DOWN = ("Programme des ateliers d'été (brouillon)", "Version de travail du programme.",
              "Les dates restent à confirmer avec les structures.")
TAKE_DOWN_REASON = "Publié par erreur avant validation des dates : à compléter avant de republier."
SUSPENSION_REASON = "Commentaires agressifs répétés envers d'autres membres, malgré un premier avertissement."
LIFT_REASON = "Excuses présentées aux membres concernés : retour apaisé."

DUPLICATES = [
    # title, website, e-mail, summary, event title, days from today
    ("Fablab Artilect", "https://artilect.example.org", "contact@artilect.example.org",
     "Le fablab associatif toulousain : imprimantes 3D, découpe laser et électronique.",
     "Soirée découverte de l'impression 3D", 12),
    ("Artilect FabLab", "", "",
     "Atelier de fabrication numérique ouvert à toutes et tous.",
     "Initiation à la découpe laser", 26),
]


def seed(territories, users, lines):
    if User.by_email(SPAMMER[0]) is not None:
        lines.append("animation demo already present: none added")
        return
    territory = territories.get("occitanie")
    claire = users.get(ANIMATOR)
    if territory is None or claire is None:
        return
    if has_request_context():
        _seed(territory, claire, users, lines)
    else:  # a take-down names the item's address: url_for needs a request
        with current_app.test_request_context():
            _seed(territory, claire, users, lines)


def _person(email, name, territory, role, created_at):
    from . import DEMO_PASSWORD

    user = User(email=email, name=name, email_confirmed_at=created_at, locale="fr", created_at=created_at)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.add(Membership(user=user, territory=territory, role=role))
    db.session.flush()
    return user


def _article(territory, author, title, summary, body, days_ago):
    article = Article(title=title, summary=summary, body=body, article_kind="news", territory=territory,
                      author=author)
    article.publish()
    article.published_at = utcnow() - timedelta(days=days_ago)
    db.session.add(article)
    db.session.flush()
    return article


def _seed(territory, claire, users, lines):
    from ..moderation import UNPUBLISH, submit, take_down
    from ..sanctions import impose, lift

    now = utcnow()
    # 1. An open report on a published post.
    author = users.get("sophie.nguyen@csti.example") or claire
    reporter = users.get("ines.fabre@csti.example") or claire
    reported = _article(territory, author, *REPORTED, days_ago=2)
    report(reporter, REPORT_REASON, content=reported)

    # 2. A post taken down earlier, with its reason (audited, its author told).
    writer = users.get("mehdi.benali@csti.example") or author
    draft = _article(territory, writer, *TAKEN_DOWN, days_ago=20)
    take_down(draft, claire, UNPUBLISH, TAKE_DOWN_REASON)

    # 3. A suspension given then lifted.
    bastien = _person(*SUSPENDED, territory, ROLE_MEMBER, now - timedelta(days=120))
    sanction = impose(claire, bastien, "suspend", SUSPENSION_REASON, ends_at=now - timedelta(days=33))
    lift(sanction, claire, LIFT_REASON)
    sanction.starts_at, sanction.lifted_at = now - timedelta(days=40), now - timedelta(days=36)
    for entry in db.session.scalars(select(AuditLog).where(AuditLog.target_type == "user",
                                                           AuditLog.target_id == bastien.id)):
        entry.created_at = sanction.lifted_at if entry.action == "user.sanction_lifted" else sanction.starts_at
    db.session.flush()

    # 4. A spammer: a brand-new contributor whose posts with links wait for review.
    spammer = _person(*SPAMMER, territory, ROLE_CONTRIBUTOR, now - timedelta(hours=3))
    posts = [
        ("Imprimantes 3D à -70 % : offre exceptionnelle",
         "Profitez de nos prix cassés avant la fin de la semaine.",
         f"Toutes nos imprimantes 3D sont soldées : {SPAM_SITE}"),
        ("Bonjour au réseau", "Je me présente.", "Bonjour à toutes et à tous, ravi de rejoindre le réseau !"),
        ("Filaments, résines et scanners 3D en promotion",
         "Livraison gratuite dès 50 € d'achat.",
         f"Filaments : {SPAM_SITE}/filaments\n\nRésines : {SPAM_SITE}/resines\n\n"
         f"Scanners : {SPAM_SITE}/scanners"),
    ]
    queued = 0
    for title, summary, body in posts:  # a first post with a link, then one without, then many links
        post = Article(title=title, summary=summary, body=body, article_kind="news", territory=territory,
                       author=spammer)
        db.session.add(post)
        submit(post, spammer)
        db.session.flush()
        queued += bool(post.queued_because)
    commented = db.session.scalar(
        select(Article).where(Article.territory_id == territory.id, Article.status == "published",
                              Article.author_id != spammer.id, Article.id != reported.id,
                              Article.members_only.is_(False), Article.group_id.is_(None))
        .order_by(Article.published_at.desc(), Article.id).limit(1))
    if commented is not None:
        add_comment(commented, spammer, f"Super article ! Retrouvez nos imprimantes 3D à prix cassés sur {SPAM_SITE}")

    # 5. Two records of one fablab, an event at each.
    today = now.astimezone(local_zone()).date()
    for title, website, email, summary, event_title, days in DUPLICATES:
        actor = Actor(title=title, actor_kind="fablab", summary=summary, territory=territory,
                      author=users.get("admin@csti.example"), website=website, email=email,
                      body=f"{summary}\n\nOuvert le mardi et le jeudi soir.")
        set_location(actor, "31000", "Toulouse")
        actor.address = "10 rue Tolosane"
        actor.latitude, actor.longitude = 43.6001, 1.4461
        actor.audiences = ["general_public", "teenagers"]
        actor.add_tag("fabrication numérique")
        actor.publish()
        db.session.add(actor)
        db.session.flush()
        start = datetime.combine(today + timedelta(days=days), time(18, 30))
        event = Event(title=event_title, event_kind="workshop", territory=territory, author=claire,
                      summary=f"{event_title} — proposé par {title}.",
                      body="Ouvert à toutes et tous, sans inscription.", venue=actor,
                      department=actor.department, owners=[actor])
        schedule(event, start, start + timedelta(hours=2))
        event.audiences = ["general_public"]
        event.add_tag("fabrication numérique")
        event.publish()
        db.session.add(event)
    db.session.flush()
    lines.append(f"animation (Occitanie): 1 open report, {queued} posts of a spammer waiting for review, "
                 "2 duplicate structures, 1 take-down and 1 lifted suspension in the audit log")
