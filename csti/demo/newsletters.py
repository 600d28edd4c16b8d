"""Demo newsletters: one issue sent by each of the first territories' animators (its deliveries
marked sent — nothing is mailed) and a few subscriptions, members' and outside addresses."""
from sqlalchemy import select

from ..blueprints.newsletters import operations as ops
from ..extensions import db
from ..models import Content, NewsletterDelivery, NewsletterIssue, NewsletterSubscription
from ..models.base import utcnow
from ..models.content import PUBLISHED

ISSUES = [
    ("occitanie", "claire.martin@csti.example", "La lettre du réseau — automne",
     "Bonjour à toutes et à tous,\n\nL'automne est riche en rendez-vous : **Fête de la science**, "
     "ateliers et nouvelles structures. Voici une sélection des publications du réseau.\n\nBonne lecture !"),
]
OUTSIDE = ["curieuse@exemple.fr", "professeur.sciences@exemple.fr", "mediatheque@exemple.fr"]


def seed(territories, users, lines):
    if db.session.scalar(select(NewsletterIssue.id).limit(1)) is not None:
        lines.append("newsletters already present: none added")
        return
    issues = subscriptions = 0
    for slug, email, subject, editorial in ISSUES:
        territory, animator = territories.get(slug), users.get(email)
        if territory is None:
            continue
        members = [u for u in users.values() if u.membership_in(territory) is not None][:4]
        for user in members:
            db.session.add(NewsletterSubscription(territory=territory, email=user.email, user_id=user.id,
                                                  status="confirmed", confirmed_at=utcnow()))
            subscriptions += 1
        for n, address in enumerate(OUTSIDE):
            status = "pending" if n == len(OUTSIDE) - 1 else "confirmed"
            db.session.add(NewsletterSubscription(territory=territory, email=address, status=status,
                                                  confirmed_at=utcnow() if status == "confirmed" else None))
            subscriptions += 1
        db.session.flush()
        issue = NewsletterIssue(territory=territory, created_by=animator, status="sent")
        ops.set_editorial(issue, subject, editorial)
        db.session.add(issue)
        picks = db.session.scalars(select(Content).where(Content.territory_id == territory.id,
                                                         Content.status == PUBLISHED, Content.kind != "page")
                                   .order_by(Content.published_at.desc(), Content.id.desc()).limit(4)).all()
        for content in picks:
            ops.add_item(issue, content)
        db.session.flush()
        confirmed = db.session.scalars(select(NewsletterSubscription).where(
            NewsletterSubscription.territory_id == territory.id, NewsletterSubscription.status == "confirmed")).all()
        now = utcnow()
        for row in confirmed:  # marked sent: the demo mails nobody
            delivery = NewsletterDelivery(issue=issue, subscription=row, email=row.email, status="sent",
                                          attempts=1, claimed_at=now, sent_at=now)
            db.session.add(delivery)
            db.session.flush()
            delivery.message_id = f"<newsletter-{issue.id}.{delivery.id}@localhost>"
        issue.recipient_count = issue.sent_count = len(confirmed)
        issue.queued_at = issue.sent_at = now
        issues += 1
    db.session.flush()
    lines.append(f"{issues} newsletter sent (not mailed), {subscriptions} subscriptions")
