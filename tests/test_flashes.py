"""A flashed message is shown once: in the htmx answer that caused it (out of band), not again
on the next page (issue #13)."""
from .conftest import csrf_headers


def _join(testapp_en, factory, log_in, htmx):
    territory = factory.territory(name="Occitanie")
    log_in(testapp_en, factory.user())
    page = testapp_en.get(f"/t/{territory.slug}")
    headers = csrf_headers(page) if htmx else {}
    if htmx:
        return territory, testapp_en.post(f"/t/{territory.slug}/join", headers=headers)
    form = next(f for f in page.forms.values() if f.action.endswith("/join"))
    return territory, form.submit()


def test_htmx_answer_shows_the_message_out_of_band_and_only_once(testapp_en, factory, log_in):
    territory, answer = _join(testapp_en, factory, log_in, htmx=True)
    assert answer.status_int == 200
    oob = answer.html.select_one('#live-messages[hx-swap-oob="innerHTML"]')
    assert oob is not None and "You joined Occitanie." in oob.text
    assert answer.html.select_one(f"#membership-{territory.id}") is not None  # the fragment itself
    # The next page does not show it again.
    after = testapp_en.get("/")
    assert "You joined Occitanie." not in after.text


def test_without_javascript_the_message_is_on_the_page_after_the_redirect(testapp_en, factory, log_in):
    _, answer = _join(testapp_en, factory, log_in, htmx=False)
    shown = answer.follow()
    assert "You joined Occitanie." in shown.html.select_one("#live-messages").text
    assert "You joined Occitanie." not in testapp_en.get("/").text


def test_htmx_answer_without_flash_is_untouched(testapp_en, factory, log_in):
    territory, answer = _join(testapp_en, factory, log_in, htmx=True)
    leave = testapp_en.post(f"/t/{territory.slug}/leave", headers=csrf_headers(testapp_en.get(f"/t/{territory.slug}")))
    assert "You left Occitanie." in leave.text
    follow = testapp_en.get(f"/t/{territory.slug}", headers={"HX-Request": "true"})
    assert "hx-swap-oob" not in follow.text
