"""A new item's form starts on the member's own territory (their highest role), not on the
first territory in alphabetical order."""
import pytest


@pytest.mark.parametrize("path", ["/events/new", "/articles/new", "/projects/new", "/actors/new"])
def test_a_new_form_starts_on_the_members_territory(testapp_en, db, factory, log_in, path):
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    zeta = factory.territory(slug="zeta", name="Zêta")
    animator = factory.user(roles={occitanie: "animator", zeta: "member"})
    log_in(testapp_en, animator)
    page = testapp_en.get(path)
    assert page.html.select_one('select[name="territory"] option[selected]')["value"] == str(occitanie.id)
    options = [o["value"] for o in page.html.select('select[name="territory"] option')]
    assert options[0] == str(bretagne.id)  # alphabetical: it was the one chosen before


def test_without_a_membership_the_first_territory(testapp_en, db, factory, log_in):
    first = factory.territory(slug="ain", name="Ain")
    factory.territory(slug="var", name="Var")
    log_in(testapp_en, factory.user())
    page = testapp_en.get("/articles/new")
    assert page.html.select_one('select[name="territory"] option[selected]')["value"] == str(first.id)
