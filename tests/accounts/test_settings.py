"""Profile, avatar, password change, data export and account deletion."""
import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from csti.models import Content, Page, User
from tests.conftest import login
from tests.factories import PASSWORD


def _png(size=(800, 600), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def _settings(testapp, email="bob@example.org"):
    login(testapp, email)
    return testapp.get("/account")


def test_settings_require_login(testapp):
    response = testapp.get("/account")
    assert response.status_int == 302 and "/login" in response.location


def test_profile_edit(testapp_en, db, factory):
    user = factory.user(email="bob@example.org", name="Bob")
    page = _settings(testapp_en)
    form = page.forms["profile-form"]
    form["name"] = "Robert"
    form["bio"] = "Fabmanager à Toulouse."
    form["website"] = "https://bob.example.org"
    form["locale"] = "en"
    assert form.submit().status_int == 303
    db.session.rollback()
    user = db.session.get(User, user.id)
    assert (user.name, user.bio, user.website, user.locale) == (
        "Robert", "Fabmanager à Toulouse.", "https://bob.example.org", "en")
    profile = testapp_en.get(f"/members/{user.id}")
    assert "Robert" in profile.text and "Fabmanager" in profile.text


def test_profile_rejects_a_javascript_website(testapp_en, db, factory):
    user = factory.user(email="bob@example.org", name="Bob")
    form = _settings(testapp_en).forms["profile-form"]
    form["website"] = "javascript:alert(1)"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.find(id="website-error") is not None
    db.session.rollback()
    assert db.session.get(User, user.id).website == ""


def test_avatar_is_verified_resized_and_stored(testapp_en, app, db, factory):
    user = factory.user(email="bob@example.org")
    form = _settings(testapp_en).forms["profile-form"]
    form["avatar"] = ("me.png", _png(), "image/png")
    assert form.submit().status_int == 303
    db.session.rollback()
    avatar = db.session.get(User, user.id).avatar
    assert avatar.startswith("avatars/") and avatar.endswith(".webp")
    path = Path(app.config["UPLOAD_DIR"]) / avatar
    with Image.open(path) as image:
        assert image.size == (256, 256)
    assert testapp_en.get(f"/media/{avatar}").content_type == "image/webp"
    # Replacing it removes the old file.
    form = testapp_en.get("/account").forms["profile-form"]
    form["avatar"] = ("other.png", _png(color=(0, 0, 200)), "image/png")
    form.submit()
    assert not path.exists()


def _bad_avatar(testapp_en, db, factory, filename, content, content_type, expected):
    user = factory.user(email="bob@example.org")
    form = _settings(testapp_en).forms["profile-form"]
    form["name"] = "Changed"
    form["avatar"] = (filename, content, content_type)
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    error = response.html.find(id="avatar-error")
    assert error is not None and expected in error.text
    db.session.rollback()
    user = db.session.get(User, user.id)
    assert user.avatar is None and user.name != "Changed"  # nothing saved


def test_avatar_not_an_image(testapp_en, db, factory):
    _bad_avatar(testapp_en, db, factory, "cv.pdf", b"%PDF-1.4 not an image", "application/pdf", "not an image")


def test_avatar_svg_with_script(testapp_en, db, factory):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _bad_avatar(testapp_en, db, factory, "me.svg", svg, "image/svg+xml", "not an image")


def test_avatar_too_large(testapp_en, db, factory):
    _bad_avatar(testapp_en, db, factory, "huge.png", b"\x89PNG" + b"0" * (20 * 1024 * 1024), "image/png",
                "too large")


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, testapp_en, db, factory):
    from webtest import TestApp

    from tests.conftest import isolated

    user = factory.user(email="bob@example.org")
    other = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.9.9.9"})
    login(other, "bob@example.org")
    form = _settings(testapp_en).forms["password-form"]
    form["current"] = "not my password"
    form["password"] = form["confirm"] = "another long password"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and response.html.find(id="current-error") is not None
    form = response.forms["password-form"]
    form["current"] = PASSWORD
    form["password"] = form["confirm"] = "another long password"
    assert form.submit().status_int == 303
    db.session.rollback()
    assert db.session.get(User, user.id).check_password("another long password")
    assert "Account settings" in testapp_en.get("/").text
    assert "Account settings" not in other.get("/").text


def test_export_contains_profile_memberships_and_content(testapp_en, factory):
    territory = factory.territory(slug="bretagne", name="Bretagne")
    user = factory.user(email="bob@example.org", name="Bob", roles={territory: "contributor"})
    factory.page(territory=territory, author=user, title="Ma page", tags=["Océan"])
    login(testapp_en, "bob@example.org")
    response = testapp_en.get("/account/export.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.json
    assert data["profile"]["email"] == "bob@example.org"
    assert data["memberships"] == [{"territory": "bretagne", "role": "contributor",
                                    "since": data["memberships"][0]["since"]}]
    assert data["content"][0]["title"] == "Ma page" and data["content"][0]["tags"] == ["Océan"]
    assert "password_hash" not in response.text


def _delete(testapp, password, choice):
    form = testapp.get("/account").forms["delete-form"]
    form["password"] = password
    form["content"] = choice
    return form.submit(expect_errors=True)


def test_delete_account_keeping_content_as_former_member(testapp_en, db, factory):
    territory = factory.territory()
    user = factory.user(email="bob@example.org")
    page = factory.page(territory=territory, author=user, title="Gardée")
    draft = factory.page(territory=territory, author=user, title="Brouillon", status="draft")
    uid, page_id, draft_id = user.id, page.id, draft.id
    login(testapp_en, "bob@example.org")
    assert _delete(testapp_en, PASSWORD, "keep").status_int == 303
    db.session.rollback()
    db.session.expunge_all()  # the objects of this session were deleted by the request
    assert db.session.get(User, uid) is None
    kept = db.session.get(Page, page_id)
    assert kept is not None and kept.author_id is None
    assert db.session.get(Page, draft_id) is None
    assert "Gardée" in testapp_en.get(f"/page/{page_id}").follow().text
    assert login(testapp_en, "bob@example.org").status_int == 422


def test_delete_account_with_content(testapp_en, db, factory):
    territory = factory.territory()
    user = factory.user(email="bob@example.org")
    factory.page(territory=territory, author=user)
    login(testapp_en, "bob@example.org")
    assert _delete(testapp_en, PASSWORD, "delete").status_int == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count(Content.id))) == 0


def test_delete_account_with_a_wrong_password_deletes_nothing(testapp_en, db, factory):
    user = factory.user(email="bob@example.org")
    login(testapp_en, "bob@example.org")
    response = _delete(testapp_en, "wrong password", "keep")
    assert response.status_int == 422
    assert response.html.find(id="delete-password-error") is not None
    db.session.rollback()
    assert db.session.get(User, user.id) is not None


def test_a_profile_beyond_any_id_is_not_found(testapp):
    testapp.get(f"/members/{2**63}", status=404)
    testapp.get("/members/99999999999999999999", status=404)
