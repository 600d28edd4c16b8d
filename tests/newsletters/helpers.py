"""Shared by the newsletter tests: a territory with an animator, publications, subscriptions."""
from csti.models import Article, NewsletterIssue, NewsletterSubscription
from csti.models.base import utcnow


def article(db, territory, title="Une nuit au planétarium", status="published"):
    item = Article(title=title, article_kind="news", territory=territory, summary=f"Résumé : {title}",
                   body="Du *texte*.")
    if status == "published":
        item.publish()
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def subscription(db, territory, email, status="confirmed", user=None):
    row = NewsletterSubscription(territory=territory, email=email, status=status, user=user,
                                 confirmed_at=utcnow() if status == "confirmed" else None)
    db.session.add(row)
    db.session.commit()
    return row


def issue(db, territory, subject="Les nouvelles de novembre", editorial="Bonjour à toutes et à tous.",
          items=(), author=None):
    from csti.blueprints.newsletters import operations as ops

    row = NewsletterIssue(territory=territory, created_by=author)
    ops.set_editorial(row, subject, editorial)
    db.session.add(row)
    for content in items:
        ops.add_item(row, content)
    db.session.commit()
    return row
