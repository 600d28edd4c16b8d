"""``registry.register`` refuses declarations that would show "None" or break a page: a menu
entry without a label or without a list, a home section without a list to link to."""
import pytest
from flask_babel import lazy_gettext as _l

from csti import registry
from csti.models import Announcement


@pytest.fixture
def scratch_registry(monkeypatch):
    monkeypatch.setattr(registry, "_types", dict(registry._types))
    yield
    registry.cached_endpoints.cache_clear()
    registry.feed_endpoints.cache_clear()


@pytest.mark.parametrize(("options", "message"), [
    ({"nav_order": 99}, "needs a nav label"),
    ({"nav_label": _l("Announcements")}, "needs a nav order"),
    ({"home_section": registry.HomeSection("trial", _l("Open announcements"), _l("No open announcement."),
                                           _l("All announcements"))}, "needs a list"),
])
def test_incoherent_declarations_are_refused(scratch_registry, options, message):
    with pytest.raises(ValueError, match=message):
        registry.register("trial", Announcement, None if "home_section" in options else "announcements.index",
                          **options)
    assert "trial" not in {t.kind for t in registry.all()}


def test_a_menu_entry_needs_a_list(scratch_registry):
    with pytest.raises(ValueError, match="needs a list"):
        registry.register("trial", Announcement, None, nav_label=_l("Announcements"), nav_order=99)


def test_a_coherent_declaration_is_taken(scratch_registry):
    registry.register("trial", Announcement, "announcements.index", nav_label=_l("Announcements"), nav_order=99)
    assert registry.get("trial").nav_order == 99
