"""Mail: a message rendered in its recipient's language, and a notification that a mail server
being down never undoes nor hides what was saved (docs/architecture.md §1). A message may have
an HTML part beside its text (``html_template``, extending ``mail/base.html``) and headers of its
own (``List-Unsubscribe``…)."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage, EmailMultiAlternatives


def send_mail(to: str, subject: str, template: str, locale: str | None = None, html_template: str | None = None,
              headers: dict | None = None, **context):
    with force_locale(locale or "fr"):
        body = render_template(template, **context)
        if html_template is None:
            message = EmailMessage(subject=str(subject), body=body, to=[to], headers=headers)
        else:
            message = EmailMultiAlternatives(subject=str(subject), body=body, to=[to], headers=headers)
            message.attach_alternative(render_template(html_template, subject=str(subject), **context),
                                       "text/html")
    message.send()



def notify(user, subject, template: str, **context) -> bool:
    """Mail ``user`` in their language; ``subject`` is a lazy string (or a callable) rendered
    in that language. A mail server that is down must not undo or hide what was saved: the
    failure is logged and False returned."""
    if user is None or not user.email:
        return False
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = subject() if callable(subject) else str(subject)
    try:
        send_mail(user.email, text, template, locale, user=user, **context)
    except Exception:  # noqa: BLE001 — any transport error
        current_app.logger.exception("mail %s to user %s not sent", template, user.id)
        return False
    return True
