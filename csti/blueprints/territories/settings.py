"""Saving a territory's settings — the administrators' form (/admin/territories/<slug>, with the
address) and its animators' (/t/<slug>/settings): the fields, the logo, and the audit log entry
with the changed fields before and after."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...i18n import gettext as _
from ...models import AuditLog, Territory
from ...models.audit import changes
from ...uploads import ImageError, save_image


def save_territory(form, territory: Territory, *, creating: bool = False) -> bool:
    """Copy ``form`` (validated) onto ``territory`` and record it; False, with the message next
    to the field and nothing changed, when the address is taken or the logo is refused. The
    caller commits (or rolls back)."""
    if "slug" in form.FIELDS:
        slug_taken = db.session.scalar(
            select(Territory.id).where(Territory.slug == form.slug.data, Territory.id != (territory.id or 0)))
        if slug_taken:
            form.slug.errors.append(_("Another territory uses this address."))
            return False
    values = {name: getattr(form, name).data for name in form.FIELDS}
    if form.logo.data and getattr(form.logo.data, "filename", ""):
        try:
            values["logo"] = save_image(form.logo.data, "territories", max_size=(400, 400), widths=(160,))
        except ImageError as error:
            form.logo.errors.append(str(error))
            return False
    before, after = changes(territory, list(values), values)
    for name, value in values.items():
        setattr(territory, name, value)
    if creating:
        db.session.add(territory)
        db.session.flush()  # its id, for the log entry
        AuditLog.record(current_user, "territory.created", territory, territory)
    elif after:
        AuditLog.record(current_user, "territory.updated", territory, territory, before=before, after=after)
    return True
