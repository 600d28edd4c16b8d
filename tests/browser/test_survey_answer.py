"""A participant answers a survey on a phone without JavaScript (issue #17): big scale buttons
that wrap within 360 px, the thanks page, one response stored; a second visit says "already
answered". A screenshot of the form is kept under test-results/."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csti.models import Content
from csti.models.surveys import Answer, Response

from ..surveys.pages import sample_surveys
from .test_phone import OVERFLOW

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def test_answer_on_a_phone_without_javascript(live, new_context):
    with live.data() as f:
        territory = f.territory(slug="occitanie", name="Occitanie")
        item = f.page(territory=territory, title="La nuit des étoiles")
        paths = sample_surveys(f.db, f.db.session.get(Content, item.id))
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                          java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(paths["survey"])
    assert page.locator("h1").inner_text() == "Your opinion of this action"
    assert page.locator("article.survey-answer").get_attribute("lang") == "en"
    assert page.evaluate(OVERFLOW) is None
    # Tap targets: each scale value is a button at least 44 px high and wide.
    for box in (page.locator(".scale-option span").nth(i).bounding_box() for i in range(16)):
        assert box["height"] >= 44 and box["width"] >= 44
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "survey-answer-phone.png"), full_page=True)
    fieldsets = page.locator("fieldset.survey-q")
    fieldsets.nth(0).locator("label.scale-option", has_text="4").click()
    fieldsets.nth(1).get_by_label("A lot").check()
    fieldsets.nth(2).get_by_label("Word of mouth").check()
    fieldsets.nth(2).get_by_label("Poster, flyer").check()
    fieldsets.nth(3).locator("label.scale-option", has_text="10").click()
    page.get_by_label("Any comment or suggestion?").fill("Super soirée, merci !")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks")
    assert page.locator("h1").inner_text() == "Thank you for your answers"
    assert page.get_by_role("link", name="Back to “La nuit des étoiles”").count() == 1
    page.screenshot(path=str(RESULTS / "survey-thanks-phone.png"), full_page=True)
    with live.db() as db:
        assert db.session.scalar(select(func.count(Response.id))) == 1
        numbers = sorted(n for n in db.session.scalars(select(Answer.number)) if n is not None)
        assert numbers == [4, 10] and db.session.scalar(select(func.count(Answer.id))) == 6
    page.goto(paths["survey"])
    assert "You already answered, thank you." in page.locator("main").inner_text()
    # At 360 px the 0–10 scale wraps, nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(paths["survey_fr"])
    assert page.evaluate(OVERFLOW) is None


def test_errors_without_javascript(live, new_context):
    """The browser's own checks off (a required scale left blank reaches the server): the summary
    links to the field, the field says what is wrong."""
    with live.data() as f:
        paths = sample_surveys(f.db)
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False,
                          locale="en-GB")
    page = context.new_page()
    page.goto(paths["survey"])
    # The browser's validation stops a person; a request with the page's nonce goes past it.
    nonce = page.locator("input[name=nonce]").get_attribute("value")
    # (A request of the context's API goes without the browser's Accept-Language: say it.)
    response = page.request.post(paths["survey"], form={"nonce": nonce, "website": ""},
                                 headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status == 422 and "This question needs an answer." in response.text()


def test_the_share_page_shows_the_qr_code(live, page):
    """The QR code is an image the browser draws (an SVG served alone needs its namespace), and
    the link beside it is the survey's public address."""
    from csti.blueprints.surveys.templates import create_survey
    from csti.models import User

    from .conftest import log_in

    with live.data() as f:
        f.user(email="organiser@example.org", name="Olga")
    with live.db() as db:
        owner = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
        survey = create_survey(owner, template="nps", languages="en")
        db.session.commit()
        survey_id, token = survey.id, survey.token
    log_in(page, "organiser@example.org")
    page.goto(f"/surveys/{survey_id}/share")
    image = page.locator(".survey-qr img")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) > 100
    assert page.locator("#survey-link").input_value().endswith(f"/s/{token}")
