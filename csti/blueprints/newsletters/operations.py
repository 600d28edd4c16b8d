"""Territory newsletters: composing an issue, subscriptions (double opt-in for outside
addresses), and sending — crash-safe, once per recipient (docs/architecture.md §11).

Sending is a ledger: "Send" writes one ``NewsletterDelivery`` row per confirmed subscription
with one ``INSERT … SELECT`` (UNIQUE (issue_id, email): one row per recipient, whatever
happens). ``send_pending`` then, for each row: claims it (queued → sending, committed), hands
the message to the SMTP server with a deterministic Message-ID ``<newsletter-I.D@host>``, and
marks it sent (committed). A sender killed at any point leaves each row queued (never tried:
sent later), sent (done: never again) or sending (the only uncertain state: killed between the
claim and the mark). A row left "sending" for longer than the lease (``stale_after``, 10 minutes
by default, far above an SMTP transaction's timeout, so a live sender's row is never taken) is
sent again, with the same Message-ID. The guarantee is therefore: every recipient receives the
issue at least once, and a second copy is possible only for a message the server accepted in
the instant between its "250" and our commit (one message per crash at most), a copy carrying
the same Message-ID, which mail stores and clients treat as the same message.
"""
from __future__ import annotations

import smtplib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import and_, func, insert, literal, or_, select, update

from ...database import write_intent
from ...extensions import db
from ...i18n import gettext as _
from ...markdown import plain_text, render_markdown
from ...models import Content, NewsletterDelivery, NewsletterIssue, NewsletterItem, NewsletterSubscription
from ...models.base import utcnow
from ...models.content import PUBLISHED
from ...models.newsletters import (
    CONFIRMED,
    DRAFT,
    FAILED,
    MAX_ITEMS,
    PENDING,
    QUEUED,
    SENDING,
    SENT,
    UNSUBSCRIBED,
)

CONFIRM_MAX_AGE = 7 * 24 * 3600
CONFIRM_RESEND_WINDOW = 10 * 60  # never two confirmation mails to one address within this
SUBSCRIBE_PER_IP = 20  # subscription requests per IP and hour
STALE_AFTER = 600  # seconds a delivery may stay "sending" before another run retries it
MAX_ATTEMPTS = 5  # tries of one delivery before it is marked failed
# A delivery is claimed just before its own SMTP transaction (a few commands, each bounded by
# MAIL_TIMEOUT, 30 s by default): the lease must stay far above that, or a slow but live sender's
# row could be taken by another run (send_pending logs a warning when it is not).
LEASE_TIMEOUTS = 10
TOKEN_MARK = "__UNSUBSCRIBE_TOKEN__"


class NewsletterError(Exception):
    def __init__(self, message, status=422, field=None):
        super().__init__(message)
        self.status = status
        self.field = field


# --- composing ------------------------------------------------------------------------------
def one_line(text: str) -> str:
    """A mail header's text: control characters (CR, LF, tabs…) and runs of spaces become one
    space — a subject is one line, whatever was pasted (a CR/LF would break the header)."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text or "")
    return " ".join(text.split())


def set_editorial(issue: NewsletterIssue, subject: str, editorial: str) -> None:
    issue.subject = one_line(subject)
    issue.editorial = editorial or ""
    issue.editorial_html = render_markdown(issue.editorial)


def candidate(content_id, territory) -> Content | None:
    """A publication that may go into an issue of ``territory``: published, public (not kept for a
    working group's members), of that territory."""
    if territory is None or not isinstance(content_id, int) or isinstance(content_id, bool) \
            or not 0 < content_id < 2**63:
        return None
    item = db.session.get(Content, content_id)
    if item is None or item.status != PUBLISHED or item.members_only or item.territory_id != territory.id:
        return None
    return item


def add_item(issue: NewsletterIssue, content: Content) -> bool:
    if issue.item_for(content.id) is not None:
        return False
    if len(issue.items) >= MAX_ITEMS:
        raise NewsletterError(_("An issue holds at most %(n)d publications.", n=MAX_ITEMS), 422)
    position = max((entry.position for entry in issue.items), default=0) + 1
    issue.items.append(NewsletterItem(content=content, position=position))
    return True


def remove_item(issue: NewsletterIssue, content_id: int) -> bool:
    entry = issue.item_for(content_id)
    if entry is None:
        return False
    issue.items.remove(entry)
    return True


def move_item(issue: NewsletterIssue, content_id: int, step: int) -> bool:
    entries = list(issue.items)
    index = next((i for i, e in enumerate(entries) if e.content_id == content_id), None)
    if index is None or not 0 <= index + step < len(entries):
        return False
    entries[index], entries[index + step] = entries[index + step], entries[index]
    for position, entry in enumerate(entries, 1):
        entry.position = position
    issue.items.sort(key=lambda e: e.position)
    return True


def recent_publications(territory, words: str = "", exclude=(), limit: int = 15) -> list[Content]:
    """The territory's latest publications, whose title holds ``words`` when given."""
    stmt = select(Content).where(Content.status == PUBLISHED, Content.public_clause(),
                                 Content.territory_id == territory.id)
    words = " ".join((words or "").split())[:100]
    if words:
        from ...listing import like_pattern

        for word in words.split()[:5]:
            stmt = stmt.where(func.lower(Content.title).like(like_pattern(word.lower()), escape="\\"))
    if exclude:
        stmt = stmt.where(Content.id.not_in(list(exclude)))
    return db.session.scalars(stmt.order_by(Content.published_at.desc(), Content.id.desc()).limit(limit)).all()


def is_empty(issue: NewsletterIssue) -> bool:
    return not issue.items and not plain_text(issue.editorial).strip()


def recipient_count(territory) -> int:
    return db.session.scalar(select(func.count(NewsletterSubscription.id)).where(
        NewsletterSubscription.territory_id == territory.id, NewsletterSubscription.status == CONFIRMED)) or 0


# --- the mail -------------------------------------------------------------------------------
def mail_html_fragment(html: str, base_url: str) -> str:
    """The editorial as a mail client needs it: links and image sources absolute (resolved
    against the site's address, like the mail's other links), and images of other hosts dropped
    (a mail loads no remote resource: no tracking pixel) — the site's own images stay."""
    if not html.strip():
        return html
    import lxml.html

    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    fragment.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    site = urlsplit(base_url)
    for img in list(fragment.iter("img")):
        src = urlsplit(img.get("src") or "")
        if (src.scheme, src.netloc) != (site.scheme, site.netloc):
            alt = (img.get("alt") or "").strip()
            if alt:  # its text stays
                img.getparent().replace(img, _text_span(alt, img.tail))
            else:
                img.drop_tree()
    inner = (fragment.text and _escape(fragment.text) or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in fragment)
    return inner


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _text_span(text: str, tail):
    import lxml.html

    span = lxml.html.Element("span")
    span.text, span.tail = text, tail
    return span


def mail_context(issue: NewsletterIssue, unsubscribe_url: str) -> dict:
    items = [entry.content for entry in issue.items
             if entry.content.status == PUBLISHED and not entry.content.members_only]
    links = {item.id: url_for(item.view_endpoint, id=item.id, slug=item.slug, _external=True) for item in items}
    site_url = url_for("main.index", _external=True)
    return dict(issue=issue, territory=issue.territory, items=items, links=links,
                editorial_html=mail_html_fragment(issue.editorial_html or "", site_url),
                unsubscribe_url=unsubscribe_url,
                web_url=url_for("newsletters.issue", slug=issue.territory.slug, id=issue.id, _external=True),
                site_url=url_for("main.index", _external=True),
                territory_url=url_for("territories.home", slug=issue.territory.slug, _external=True))


def render_mail(issue: NewsletterIssue, unsubscribe_url: str) -> tuple[str, str]:
    """(HTML, text) of the issue's mail, in the site's language; what the preview shows."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        context = mail_context(issue, unsubscribe_url)
        return render_template("newsletters/mail.html", **context), render_template("newsletters/mail.txt", **context)


def unsubscribe_template_url() -> str:
    return url_for("newsletters.unsubscribe", token=TOKEN_MARK, _external=True)


def queue(issue: NewsletterIssue) -> int:
    """"Send": freeze the mail, write one delivery per confirmed subscription (one INSERT …
    SELECT), status sending. Refused when empty (422) or no longer a draft (409). The caller commits."""
    if not issue.subject.strip():
        raise NewsletterError(_("Give the newsletter a subject."), 422, "subject")
    if is_empty(issue):
        raise NewsletterError(_("The newsletter is empty: add a publication or write an editorial."), 422, "editorial")
    if not recipient_count(issue.territory):
        raise NewsletterError(_("Nobody receives this newsletter yet: it has no confirmed subscriber. Invite people "
                                "to subscribe on the territory's newsletter page, then send it."), 422, "confirm")
    html, text = render_mail(issue, unsubscribe_template_url())
    claimed = db.session.execute(
        update(NewsletterIssue).where(NewsletterIssue.id == issue.id, NewsletterIssue.status == DRAFT)
        .values(status=SENDING, queued_at=utcnow(), mail_html=html, mail_text=text,
                unsubscribe_url=unsubscribe_template_url())
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise NewsletterError(_("This newsletter has already been sent."), 409)
    subscriptions = select(
        literal(issue.id), NewsletterSubscription.id, NewsletterSubscription.email, literal(QUEUED),
        literal(""), literal(0), literal("")
    ).where(NewsletterSubscription.territory_id == issue.territory_id, NewsletterSubscription.status == CONFIRMED)
    db.session.execute(insert(NewsletterDelivery).from_select(
        ["issue_id", "subscription_id", "email", "status", "message_id", "attempts", "error"], subscriptions))
    count = db.session.scalar(select(func.count(NewsletterDelivery.id)).where(NewsletterDelivery.issue_id == issue.id))
    db.session.execute(update(NewsletterIssue).where(NewsletterIssue.id == issue.id)
                       .values(recipient_count=count).execution_options(synchronize_session=False))
    db.session.expire(issue)
    return count


# --- sending ----------------------------------------------------------------------------------
def message_host(issue: NewsletterIssue) -> str:
    return urlsplit(issue.unsubscribe_url).hostname or "localhost"


def message_id(issue: NewsletterIssue, delivery_id: int) -> str:
    return f"<newsletter-{issue.id}.{delivery_id}@{message_host(issue)}>"


def _message(issue: NewsletterIssue, delivery: NewsletterDelivery, connection):
    from flask_mailman import EmailMultiAlternatives

    token = unsubscribe_token(delivery.subscription_id, delivery.email)
    link = issue.unsubscribe_url.replace(TOKEN_MARK, token)
    message = EmailMultiAlternatives(
        subject=one_line(issue.subject), body=issue.mail_text.replace(TOKEN_MARK, token), to=[delivery.email],
        connection=connection,
        headers={"Message-ID": delivery.message_id, "List-Unsubscribe": f"<{link}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "List-Id": f"<{issue.territory.slug}.newsletter.{message_host(issue)}>"})
    message.attach_alternative(issue.mail_html.replace(TOKEN_MARK, token), "text/html")
    return message


def _claim(delivery_id: int, stale_before) -> bool:
    """queued (or left sending by a dead run) → sending, committed: no other run takes it."""
    claimed = db.session.execute(
        update(NewsletterDelivery).where(
            NewsletterDelivery.id == delivery_id,
            or_(NewsletterDelivery.status == QUEUED,
                and_(NewsletterDelivery.status == SENDING, NewsletterDelivery.claimed_at <= stale_before)))
        .values(status=SENDING, claimed_at=utcnow(), attempts=NewsletterDelivery.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


def _mark(delivery_id: int, status: str, error: str = "") -> None:
    values = {"status": status, "error": error[:255]}
    if status == SENT:
        values["sent_at"] = utcnow()
    db.session.execute(update(NewsletterDelivery).where(NewsletterDelivery.id == delivery_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


class _ServerDown(Exception):
    pass


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    stopped: str = ""


def send_pending(batch: int = 50, stale_after: int = STALE_AFTER, max_batches: int | None = None) -> SendReport:
    """Send the queued deliveries, ``batch`` per SMTP connection, until none is left (or the
    server fails: the rest waits for the next run). See the module's docstring."""
    report = SendReport()
    done_batches = 0
    timeout = current_app.config.get("MAIL_TIMEOUT")
    if stale_after and timeout and stale_after < LEASE_TIMEOUTS * timeout:
        current_app.logger.warning("newsletter: the lease (%ss) is short for MAIL_TIMEOUT=%ss: a slow live sender's "
                                   "delivery could be sent twice", stale_after, timeout)
    with write_intent():
        db.session.commit()
        while max_batches is None or done_batches < max_batches:
            stale_before = utcnow() - timedelta(seconds=stale_after)
            rows = db.session.execute(
                select(NewsletterDelivery.id, NewsletterDelivery.issue_id).join(NewsletterIssue)
                .where(NewsletterIssue.status == SENDING, or_(
                    NewsletterDelivery.status == QUEUED,
                    and_(NewsletterDelivery.status == SENDING, NewsletterDelivery.claimed_at <= stale_before)))
                .order_by(NewsletterDelivery.id).limit(batch)).all()
            db.session.commit()
            if not rows:
                break
            done_batches += 1
            try:
                _send_batch(rows, stale_before, report)
            except _ServerDown as error:
                report.stopped = str(error)
                break
            finish_issues()
        finish_issues()
    return report


def _send_batch(rows, stale_before, report: SendReport) -> None:
    connection = current_app.extensions["mailman"].get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        raise _ServerDown(f"mail server: {error}") from None
    issues: dict[int, NewsletterIssue] = {}
    try:
        for delivery_id, issue_id in rows:
            if not _claim(delivery_id, stale_before):
                continue  # another run took it
            delivery = db.session.get(NewsletterDelivery, delivery_id)
            issue = issues.get(issue_id) or db.session.get(NewsletterIssue, issue_id)
            issues[issue_id] = issue
            subscription = delivery.subscription
            if subscription is None or subscription.status != CONFIRMED:
                _mark(delivery_id, FAILED, "unsubscribed before it was sent")
                report.failed += 1
                continue
            if not delivery.message_id:
                delivery.message_id = message_id(issue, delivery.id)
                db.session.commit()
            try:
                message = _message(issue, delivery, connection)
                db.session.commit()  # no transaction open while the SMTP server answers
                message.send()
            except smtplib.SMTPRecipientsRefused as error:
                _mark(delivery_id, FAILED, f"refused: {error.recipients}")
                report.failed += 1
                continue
            except smtplib.SMTPResponseException as error:
                if error.smtp_code >= 500:
                    _mark(delivery_id, FAILED, f"{error.smtp_code} {error.smtp_error!r}")
                    report.failed += 1
                    continue
                _retry_or_fail(delivery, f"{error.smtp_code} {error.smtp_error!r}", report)
                raise _ServerDown(f"mail server: {error.smtp_code}") from None
            except (OSError, smtplib.SMTPException) as error:
                _retry_or_fail(delivery, str(error), report)
                raise _ServerDown(f"mail server: {error}") from None
            except Exception as error:  # noqa: BLE001 — this message only (a bad header…): the run goes on
                db.session.rollback()
                current_app.logger.exception("newsletter: delivery %s not sent", delivery_id)
                _retry_or_fail(db.session.get(NewsletterDelivery, delivery_id),
                               f"{type(error).__name__}: {error}", report)
                continue
            _mark(delivery_id, SENT)
            report.sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 — a dead connection
            pass


def _retry_or_fail(delivery, error: str, report: SendReport) -> None:
    if delivery.attempts >= MAX_ATTEMPTS:
        _mark(delivery.id, FAILED, error)
        report.failed += 1
    else:
        _mark(delivery.id, QUEUED, error)
        report.retry += 1


def finish_issues() -> None:
    """An issue whose deliveries are all sent or failed is sent (with its counts)."""
    for issue in db.session.scalars(select(NewsletterIssue).where(NewsletterIssue.status == SENDING)).all():
        counts = dict(db.session.execute(
            select(NewsletterDelivery.status, func.count()).where(NewsletterDelivery.issue_id == issue.id)
            .group_by(NewsletterDelivery.status)).all())
        issue.sent_count, issue.failed_count = counts.get(SENT, 0), counts.get(FAILED, 0)
        if not counts.get(QUEUED) and not counts.get(SENDING):
            issue.status, issue.sent_at = SENT, utcnow()
    db.session.commit()


# --- subscriptions -----------------------------------------------------------------------------
def _confirm_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="newsletter-confirm")


def _unsubscribe_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="newsletter-unsubscribe")


def confirm_token(subscription: NewsletterSubscription) -> str:
    return _confirm_serializer().dumps({"s": subscription.id, "e": subscription.email})


def unsubscribe_token(subscription_id: int, email: str) -> str:
    """Never expires (an unsubscribe link of an old newsletter still works), but carries its time
    of issue: once the address has unsubscribed after it, the link is spent (``SpentToken``)."""
    issued = (utcnow() - _EPOCH) // timedelta(microseconds=1)
    return _unsubscribe_serializer().dumps({"s": subscription_id, "e": email, "t": issued})


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SpentToken(Exception):
    """A genuine unsubscribe link replayed: the address has unsubscribed since it was mailed."""

    def __init__(self, subscription):
        super().__init__()
        self.subscription = subscription


class TokenRefused(Exception):
    def __init__(self, expired: bool):
        self.expired = expired


def _subscription_of(data) -> NewsletterSubscription:
    if not isinstance(data, dict):
        raise TokenRefused(False)
    sid = data.get("s")
    if not isinstance(sid, int) or isinstance(sid, bool) or not 0 < sid < 2**63:
        raise TokenRefused(False)
    subscription = db.session.get(NewsletterSubscription, sid)
    if subscription is None or subscription.email != data.get("e"):
        raise TokenRefused(False)
    return subscription


def read_confirm_token(token: str):
    """(the subscription, the token's time of issue)."""
    try:
        data, issued_at = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise TokenRefused(True) from None
    except BadSignature:
        raise TokenRefused(False) from None
    return _subscription_of(data), issued_at


def read_unsubscribe_token(token: str) -> NewsletterSubscription:
    """The subscription, or ``TokenRefused`` (forged, altered), or ``SpentToken`` (unsubscribed
    now, or since the link was issued — even if subscribed again after: an old link is spent)."""
    try:
        data = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise TokenRefused(False) from None
    subscription = _subscription_of(data)
    issued = data.get("t", 0)
    if not isinstance(issued, int) or isinstance(issued, bool) or not 0 <= issued < 2**57:
        raise TokenRefused(False)
    left = subscription.unsubscribed_at
    if left is not None and left.tzinfo is None:
        left = left.replace(tzinfo=UTC)
    if subscription.status == UNSUBSCRIBED or (left is not None and left > _EPOCH + timedelta(microseconds=issued)):
        raise SpentToken(subscription)
    return subscription


def subscription_for(territory, email: str) -> NewsletterSubscription | None:
    return db.session.scalar(select(NewsletterSubscription).where(
        NewsletterSubscription.territory_id == territory.id, NewsletterSubscription.email == email))


def subscribe_member(territory, user) -> NewsletterSubscription:
    """A member's own address: confirmed at once (the account's address is confirmed)."""
    subscription = subscription_for(territory, user.email)
    if subscription is None:
        subscription = NewsletterSubscription(territory=territory, email=user.email)
        db.session.add(subscription)
    subscription.user_id = user.id
    if subscription.status != CONFIRMED:
        subscription.status, subscription.confirmed_at = CONFIRMED, utcnow()
    return subscription


def unsubscribe(subscription: NewsletterSubscription) -> bool:
    if subscription.status == UNSUBSCRIBED:
        return False
    subscription.status, subscription.unsubscribed_at = UNSUBSCRIBED, utcnow()
    return True


CONFIRMED_NOW, CONFIRMED_BEFORE, USED = "confirmed", "before", "used"


def confirm(subscription: NewsletterSubscription, issued_at=None) -> str:
    """A confirmation link followed: CONFIRMED_NOW (a pending row, with a link issued after its
    last unsubscription, if any), CONFIRMED_BEFORE (confirmed already: nothing changes) or USED
    (unsubscribed, or a link older than the unsubscription: nothing changes — a replayed link
    never subscribes again someone who left)."""
    if subscription.status == CONFIRMED:
        return CONFIRMED_BEFORE
    if subscription.status != PENDING:
        return USED
    left = subscription.unsubscribed_at
    if left is not None and issued_at is not None:
        if left.tzinfo is None:
            left = left.replace(tzinfo=UTC)
        if issued_at < left.replace(microsecond=0):  # the token's time is in whole seconds
            return USED
    subscription.status, subscription.confirmed_at = CONFIRMED, utcnow()
    return CONFIRMED_NOW


ALREADY, CONFIRMATION_SENT, CONFIRMATION_WAIT = "already", "sent", "wait"


def request_subscription(territory, email: str) -> tuple[str, NewsletterSubscription]:
    """An outside address: one row per (territory, address); a confirmation mail unless it is
    confirmed already, and never two to one address within ``CONFIRM_RESEND_WINDOW``. The
    caller commits and, for CONFIRMATION_SENT, sends the mail (``send_confirmation``)."""
    from ...throttle import store

    subscription = subscription_for(territory, email)
    if subscription is not None and subscription.status == CONFIRMED:
        return ALREADY, subscription
    if subscription is None:
        subscription = NewsletterSubscription(territory=territory, email=email, status=PENDING)
        db.session.add(subscription)
        db.session.flush()
    elif subscription.status == UNSUBSCRIBED:
        subscription.status = PENDING
    if store().hit(f"newsletter-confirm:{territory.id}:{email}", CONFIRM_RESEND_WINDOW) > 1:
        return CONFIRMATION_WAIT, subscription
    return CONFIRMATION_SENT, subscription


def send_confirmation(subscription: NewsletterSubscription) -> bool:
    from ...mails import send_mail

    territory = subscription.territory
    link = url_for("newsletters.confirm", token=confirm_token(subscription), _external=True)
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        with force_locale(locale):
            from ...templating import elide_filter

            subject = elide_filter(_("Confirm your subscription to the newsletter of %(name)s", name=territory.name),
                                   territory.name)
        send_mail(subscription.email, subject, "newsletters/confirm_mail.txt", locale,
                  territory=territory, link=link, days=CONFIRM_MAX_AGE // 86400)
    except Exception:  # noqa: BLE001 — any transport error: the page says so
        current_app.logger.exception("newsletter confirmation to subscription %s not sent", subscription.id)
        return False
    return True
