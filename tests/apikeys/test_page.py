"""A member's API keys page (/account/api-keys): create (the key shown once, only its hash kept),
list (only the start of the key), the limit of 10 live keys, revoke, nobody else's keys, CSRF."""
import hashlib
import re

from sqlalchemy import func, select

from csti.apikeys import MAX_LIVE_KEYS, create_key
from csti.models import ApiKey, AuditLog, User

KEY = re.compile(r"csti_[A-Za-z0-9_-]{43}")


def _create(testapp, name="Mon site de musée", **kw):
    form = testapp.get("/account/api-keys").forms["api-key-form"]
    form["name"] = name
    return form.submit(**kw)


def _revoke(testapp, page, name, **kw):
    """Press the page's "Revoke “name”" button."""
    form = page.html.find("button", string=f"Revoke “{name}”").find_parent("form")
    return testapp.post(form["action"], {"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]},
                        **kw)


def _keys(db, user=None):
    db.session.rollback()
    stmt = select(ApiKey).order_by(ApiKey.id)
    if user is not None:
        stmt = stmt.where(ApiKey.user_id == user.id)
    return db.session.scalars(stmt).all()


def test_the_page_needs_a_login(testapp):
    response = testapp.get("/account/api-keys")
    assert response.status_int == 302 and "/login" in response.location


def test_the_settings_page_links_to_it(testapp_en, factory, log_in):
    log_in(testapp_en, factory.user())
    assert testapp_en.get("/account").html.find("a", href="/account/api-keys") is not None


def test_create_shows_the_key_once_and_keeps_only_its_hash(testapp_en, db, factory, log_in):
    user = factory.user()
    log_in(testapp_en, user)
    response = _create(testapp_en, status=201)
    assert response.headers["Cache-Control"] == "no-store"
    field = response.html.find("input", id="new-api-key")
    key = field["value"]
    assert KEY.fullmatch(key) and field.has_attr("readonly")
    assert "will not be shown again" in response.text
    assert response.html.find("label", attrs={"for": "new-api-key"}) is not None

    (row,) = _keys(db)
    assert (row.user_id, row.name, row.prefix) == (user.id, "Mon site de musée", key[:8])
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.revoked_at is None and row.last_used_at is None and row.created_at is not None
    assert key not in {row.name, row.prefix, row.key_hash}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "apikey.created"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (user.id, "user", user.id)
    assert entry.details == {"name": "Mon site de musée", "prefix": key[:8]}
    assert key not in str(entry.details)

    # Never again: the list shows the name and the start of the key only.
    page = testapp_en.get("/account/api-keys")
    assert key not in page.text and page.html.find(id="new-api-key") is None
    row_cells = [td.text.strip() for td in page.html.find("tbody").find("tr").find_all("td")]
    assert row_cells[0] == "Mon site de musée" and row_cells[1] == key[:8] + "…"
    assert row_cells[3] == "Never"


def test_a_name_is_required_and_bounded(testapp_en, db, factory, log_in):
    log_in(testapp_en, factory.user())
    response = _create(testapp_en, name="   ", status=422)
    assert "Give the key a name" in response.html.find(id="name-error").text
    assert response.html.find(id="new-api-key") is None
    response = _create(testapp_en, name="x" * 101, status=422)
    assert "100 characters" in response.html.find(id="name-error").text
    assert _keys(db) == []


def test_at_most_ten_live_keys(testapp_en, db, factory, log_in):
    user = factory.user()
    for n in range(MAX_LIVE_KEYS):
        create_key(user, f"clé {n}")
    db.session.commit()
    log_in(testapp_en, user)
    page = testapp_en.get("/account/api-keys")
    assert len(page.html.find("tbody").find_all("tr")) == MAX_LIVE_KEYS
    response = _create(testapp_en, name="La onzième", status=422)
    error = response.html.find(id="name-error").text
    assert "10 keys" in error and "revoke one" in error
    assert response.html.find(id="new-api-key") is None
    assert len(_keys(db)) == MAX_LIVE_KEYS
    # A revoked key leaves room for another.
    _revoke(testapp_en, testapp_en.get("/account/api-keys"), "clé 3", status=303)
    assert _create(testapp_en, name="La onzième").status_int == 201
    keys = _keys(db)
    assert len(keys) == MAX_LIVE_KEYS + 1 and sum(k.revoked_at is None for k in keys) == MAX_LIVE_KEYS


def test_revoke(testapp_en, db, factory, log_in):
    user = factory.user()
    row, key = create_key(user, "Agenda du musée")
    create_key(user, "Autre")
    db.session.commit()
    log_in(testapp_en, user)
    page = testapp_en.get("/account/api-keys")
    button = page.html.find("button", string="Revoke “Agenda du musée”")
    form = button.find_parent("form")
    assert form["action"] == f"/account/api-keys/{row.id}/revoke"
    response = testapp_en.post(form["action"], {"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]})
    assert response.status_int == 303
    page = response.follow()
    assert "is revoked" in page.text
    assert "Agenda du musée" not in page.html.find("tbody").text and "Autre" in page.html.find("tbody").text
    revoked, other = _keys(db)
    assert revoked.revoked_at is not None and other.revoked_at is None
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "apikey.revoked"))
    assert (entry.actor_id, entry.target_id, entry.details["prefix"]) == (user.id, user.id, key[:8])
    # Revoking it again: nothing left to revoke.
    testapp_en.post(form["action"], {"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]},
                    status=404)


def test_another_member_cannot_revoke_or_see_my_keys(testapp_en, db, factory, log_in):
    alice, bob = factory.user(name="Alice"), factory.user(name="Bob")
    row, _key = create_key(alice, "Clé d’Alice")
    db.session.commit()
    log_in(testapp_en, bob)
    page = testapp_en.get("/account/api-keys")
    assert "Clé d’Alice" not in page.text
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    testapp_en.post(f"/account/api-keys/{row.id}/revoke", {"csrf_token": token}, status=404)
    assert _keys(db)[0].revoked_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 1  # alice's creation only


def test_csrf_is_required(testapp_en, db, factory, log_in):
    user = factory.user()
    row, _key = create_key(user, "Clé")
    db.session.commit()
    log_in(testapp_en, user)
    testapp_en.get("/account/api-keys")
    testapp_en.post("/account/api-keys", {"name": "Sans jeton"}, status=400)
    testapp_en.post("/account/api-keys", {"name": "Jeton forgé", "csrf_token": "forged"}, status=400)
    testapp_en.post(f"/account/api-keys/{row.id}/revoke", status=400)
    keys = _keys(db)
    assert [k.name for k in keys] == ["Clé"] and keys[0].revoked_at is None


def test_an_unconfirmed_member_cannot_create_a_key(testapp_en, db, factory, log_in):
    log_in(testapp_en, factory.user(confirmed=False))
    page = testapp_en.get("/account/api-keys")
    assert "Confirm your e-mail address first" in page.text and "api-key-form" not in page.forms
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]  # the header's log-out form
    response = testapp_en.post("/account/api-keys", {"name": "Essai", "csrf_token": token})
    assert response.status_int == 303
    assert _keys(db) == []


def test_deleting_the_account_deletes_its_keys(testapp_en, db, factory, log_in):
    from tests.factories import PASSWORD

    user, other = factory.user(), factory.user()
    create_key(user, "Une")
    create_key(user, "Deux")
    create_key(other, "Celle d’un autre")
    db.session.commit()
    user_id = user.id
    log_in(testapp_en, user)
    form = testapp_en.get("/account").forms["delete-form"]
    form["password"] = PASSWORD
    form["content"] = "delete"
    assert form.submit().status_int == 303
    assert [k.name for k in _keys(db)] == ["Celle d’un autre"]  # the database's ON DELETE CASCADE
    assert db.session.get(User, user_id) is None


def test_the_data_export_lists_the_keys_but_not_the_keys_themselves(testapp_en, db, factory, log_in):
    user = factory.user()
    row, key = create_key(user, "Agenda")
    db.session.commit()
    log_in(testapp_en, user)
    response = testapp_en.get("/account/export.json")
    assert [(k["name"], k["prefix"], k["revoked_at"]) for k in response.json["api_keys"]] == [("Agenda", key[:8], None)]
    assert key not in response.text and row.key_hash not in response.text
