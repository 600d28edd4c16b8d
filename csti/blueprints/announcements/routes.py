"""Announcements: calls for projects and partners, jobs, volunteering, lending. Open ones are
listed; expired ones (deadline passed) leave the lists but keep their page."""
from ...i18n import lazy_gettext as _l
from ...models.announcements import ANNOUNCEMENT_KINDS, Announcement
from ..content.views import ContentViews
from . import bp
from .forms import AnnouncementForm


class AnnouncementViews(ContentViews):
    model, kind, form_class = Announcement, "announcement", AnnouncementForm
    kinds, kind_column = ANNOUNCEMENT_KINDS, "announcement_kind"
    fields = ("announcement_kind", "deadline", "link", "contact_email")
    feed_title = _l("Announcements")
    owners = True
    no_territory_message = _l("Confirm your e-mail address before publishing an announcement.")
    pending_message = _l("Thank you! The animators will review the announcement.")
    published_message = _l("The announcement is published.")

    def list_params(self, args) -> dict:
        return {"expired": "1" if args.get("expired") == "1" else None}

    def listing(self, filters, expired=None):
        stmt = self.published(filters)
        if expired:
            return stmt.where(~Announcement.open_clause()).order_by(Announcement.deadline.desc(),
                                                                    Announcement.id.desc())
        # Open ones: the closest deadline first, then those without a deadline, newest first.
        return stmt.where(Announcement.open_clause()).order_by(
            Announcement.deadline.is_(None), Announcement.deadline, Announcement.published_at.desc(),
            Announcement.id.desc())

    def index_context(self, expired=None) -> dict:
        return {"expired": bool(expired)}

    def feed_listing(self, filters):
        """The open ones, newest first."""
        return (self.published(filters).where(Announcement.open_clause())
                .order_by(Announcement.published_at.desc(), Announcement.id.desc()))

    def prepare_form(self, form, item) -> None:
        form.current_deadline = item.deadline if item is not None else None



views = AnnouncementViews(bp)
