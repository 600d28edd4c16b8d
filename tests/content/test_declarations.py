"""What a content type declares to ``ContentViews`` is checked when its blueprint is built: a
forgotten message was a page saying "None" (a 403 "Access denied (403) None", a flash "None",
a feed titled "None") that no test of the type noticed."""
import pytest
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from csti.blueprints.announcements.forms import AnnouncementForm
from csti.blueprints.content.views import ContentViews
from csti.models import Announcement


class Complete(ContentViews):
    model, kind, form_class = Announcement, "trial", AnnouncementForm
    feed_title = _l("Announcements")
    no_territory_message = _l("Confirm your e-mail address before publishing an announcement.")
    pending_message = _l("Thank you! The animators will review the announcement.")
    published_message = _l("The announcement is published.")


def test_a_complete_declaration_registers_its_views():
    bp = Blueprint("trial_complete", __name__)
    Complete(bp)
    assert len(bp.deferred_functions) == 6  # index, feed, show (two rules), create, edit


@pytest.mark.parametrize("left_out", ["feed_title", "no_territory_message", "pending_message",
                                      "published_message", "form_class"])
def test_a_forgotten_declaration_is_an_error_when_the_blueprint_is_built(left_out):
    incomplete = type("Incomplete", (Complete,), {left_out: None})
    with pytest.raises(TypeError, match=left_out):
        incomplete(Blueprint(f"trial_{left_out}", __name__))


def test_what_a_type_overrides_needs_no_declaration():
    """A type with its own save (pages, events) needs no messages; one without a feed no title."""
    class OwnSave(Complete):
        endpoints = ("show", "create", "edit")
        feed_title = pending_message = published_message = None

        def save(self, item, form, creating):
            return None

    OwnSave(Blueprint("trial_own_save", __name__))


def test_a_kind_column_that_is_not_a_column_is_an_error():
    wrong = type("Wrong", (Complete,), {"kind_column": "announcement_kin"})
    with pytest.raises(TypeError, match="announcement_kin"):
        wrong(Blueprint("trial_wrong", __name__))


def test_fields_are_copied_both_ways_and_text_stripped(app):
    """``fields``: the type's plain fields go from the form to the item (text stripped) and back."""
    from datetime import date

    from werkzeug.datastructures import MultiDict

    views = Complete.__new__(Complete)
    views.fields = ("announcement_kind", "deadline", "link")
    with app.test_request_context(method="POST"):
        form = AnnouncementForm(formdata=MultiDict({"announcement_kind": "job", "deadline": "2027-01-31",
                                                    "link": "  https://example.org/appel  "}))
        item = Announcement(title="Appel")
        views.apply_fields(item, form)
        assert (item.announcement_kind, item.deadline, item.link) == ("job", date(2027, 1, 31),
                                                                      "https://example.org/appel")
        blank = AnnouncementForm(formdata=None)
        views.owners = False
        views._fill(blank, item)
        assert (blank.announcement_kind.data, blank.deadline.data, blank.link.data) == (
            "job", date(2027, 1, 31), "https://example.org/appel")
