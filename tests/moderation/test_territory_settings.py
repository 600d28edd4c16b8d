"""A territory's settings for its animators (/t/<slug>/settings): name, description, logo,
colours, map, moderation policy — the address stays the admins'. Bad input: the message next to
the field, 422, nothing saved; the change recorded with the fields before and after. The policy
decides ``can(user, "publish", item)``."""
import pytest
from sqlalchemy import select

from csti.models import AuditLog, Page, Territory
from csti.policy import can
from tests.images import image_bytes


@pytest.fixture
def site(factory):
    territory = factory.territory(slug="t-un", name="Territoire Un", color_primary="#1d4e89",
                                  color_secondary="#f2a900", center_lat=43.6, center_lng=1.44, zoom=8)
    other = factory.territory(slug="t-deux", name="Territoire Deux")
    return dict(
        territory=territory, other=other,
        animator=factory.user(email="anim@example.org", roles={territory: "animator"}),
        other_animator=factory.user(email="autre@example.org", roles={other: "animator"}),
        contributor=factory.user(email="contrib@example.org", roles={territory: "contributor"}),
        admin=factory.user(email="admin@example.org", admin=True),
    )


def _fresh(db, slug="t-un"):
    db.session.rollback()  # a new read: what the app committed
    return db.session.scalar(select(Territory).where(Territory.slug == slug))


def test_an_animator_saves_the_settings_and_the_change_is_audited(testapp_en, log_in, db, site):
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/settings")
    form = page.forms["territory-settings"]
    assert "slug" not in form.fields  # the address is the admins'
    assert form["publish_policy"].value == "contributors" and form["trusted_after"].value == "5"
    form["name"] = "Territoire Un et demi"
    form["color_primary"] = "#AA3300"
    form["zoom"] = "9"
    form["publish_policy"] = "trusted"
    form["trusted_after"] = "3"
    form["logo"] = ("logo.png", image_bytes((300, 300)), "image/png")
    response = form.submit()
    assert response.status_int == 303 and response.location.endswith("/t/t-un")
    territory = _fresh(db)
    assert (territory.name, territory.color_primary, territory.zoom, territory.publish_policy,
            territory.trusted_after) == ("Territoire Un et demi", "#AA3300", 9, "trusted", 3)
    assert territory.logo and territory.logo.startswith("territories/")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "territory.updated"))
    assert entry.actor_id == site["animator"].id and entry.territory_id == territory.id
    before, after = entry.details["before"], entry.details["after"]
    assert set(after) == {"name", "color_primary", "zoom", "publish_policy", "trusted_after", "logo"}
    assert before["name"] == "Territoire Un" and after["name"] == "Territoire Un et demi"
    assert (before["publish_policy"], after["publish_policy"]) == ("contributors", "trusted")
    assert (before["zoom"], after["zoom"]) == (8, 9)
    # The audit page shows it as labelled field: old → new.
    audit = testapp_en.get("/t/t-un/audit")
    text = audit.html.select_one("table.audit-log").get_text(" ", strip=True)
    assert "Territory settings changed" in text
    assert "Who publishes without review: Contributors and animators → Contributors, animators and trusted members" \
        in " ".join(text.split())


def test_saving_unchanged_settings_records_nothing(testapp_en, log_in, db, site):
    log_in(testapp_en, site["animator"])
    assert testapp_en.get("/t/t-un/settings").forms["territory-settings"].submit().status_int == 303
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "territory.updated")) is None


@pytest.mark.parametrize("name, value, message", [
    ("color_primary", "red", "Use a colour like #1d4e89."),
    ("color_secondary", "#12345", "Use a colour like #1d4e89."),
    ("zoom", "19", "Number must be between 1 and 18."),
    ("zoom", "0", "Number must be between 1 and 18."),
    ("center_lat", "91", "Number must be between -90 and 90."),
    ("center_lng", "-180.5", "Number must be between -180 and 180."),
    ("center_lat", "nord", "Not a valid float value."),
    ("trusted_after", "0", "Number must be between 1 and 100."),
    ("trusted_after", "101", "Number must be between 1 and 100."),
    ("name", "", "This field is required."),
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(testapp_en, log_in, db, site, name, value,
                                                                     message):
    log_in(testapp_en, site["animator"])
    form = testapp_en.get("/t/t-un/settings").forms["territory-settings"]
    form["description"] = "Changée"
    form[name] = value
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.select_one(f"#{name}-error").get_text(strip=True).startswith(message)
    assert response.html.select_one(f"#{name}")["aria-invalid"] == "true"
    territory = _fresh(db)
    assert territory.description == "" and territory.zoom == 8 and territory.color_primary == "#1d4e89"
    assert db.session.scalar(select(AuditLog)) is None


def test_a_forged_policy_is_refused(testapp_en, log_in, db, site):
    log_in(testapp_en, site["animator"])
    page = testapp_en.get("/t/t-un/settings")
    form = page.forms["territory-settings"]
    fields = {k: v for k, v in form.submit_fields()}
    fields["publish_policy"] = "admins-and-friends"
    response = testapp_en.post("/t/t-un/settings", fields, expect_errors=True)
    assert response.status_int == 422
    assert response.html.select_one("#publish_policy-error").get_text(strip=True) == "Not a valid choice."
    assert _fresh(db).publish_policy == "contributors"


def test_others_are_refused(testapp_en, log_in, site):
    for who in ("other_animator", "contributor"):
        log_in(testapp_en, site[who])
        assert testapp_en.get("/t/t-un/settings", expect_errors=True).status_int == 403
        assert testapp_en.post("/t/t-un/settings", {"name": "Pris"}, expect_errors=True).status_int in (400, 403)
    response = testapp_en.get("/t/t-un/settings", expect_errors=True)
    assert response.status_int == 403


def test_a_forged_post_from_another_animator_changes_nothing(testapp_en, log_in, db, site):
    log_in(testapp_en, site["other_animator"])
    fields = dict(testapp_en.get("/t/t-deux/settings").forms["territory-settings"].submit_fields())
    fields["name"] = "Volé"
    assert testapp_en.post("/t/t-un/settings", fields, expect_errors=True).status_int == 403
    assert _fresh(db).name == "Territoire Un"


def test_an_admin_uses_it_too_and_only_the_admin_form_changes_the_address(testapp_en, log_in, db, site):
    log_in(testapp_en, site["admin"])
    form = testapp_en.get("/t/t-un/settings").forms["territory-settings"]
    form["publish_policy"] = "everyone"
    assert form.submit().status_int == 303
    assert _fresh(db).publish_policy == "everyone"
    page = testapp_en.get("/admin/territories/t-un")
    form = page.forms["territory-form"]
    assert form["publish_policy"].value == "everyone"
    form["slug"] = "t-un-bis"
    form["publish_policy"] = "animators"
    assert form.submit().status_int == 303
    territory = _fresh(db, "t-un-bis")
    assert territory.publish_policy == "animators"
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "territory.updated")
                               .order_by(AuditLog.id.desc())).first()
    assert entry.details["after"] == {"slug": "t-un-bis", "publish_policy": "animators"}


# --- the policy decides who publishes without review ----------------------------------------------
ROLES = ("animator", "contributor", "member", "unconfirmed member", "trusted member", "outsider")
POLICY_TABLE = {
    #               animator contributor member unconfirmed trusted outsider
    "animators":    (True, False, False, False, False, False),
    "contributors": (True, True, False, False, False, False),
    "trusted":      (True, True, False, False, True, False),
    "everyone":     (True, True, True, False, True, False),
}


@pytest.mark.parametrize("policy", list(POLICY_TABLE))
def test_each_policy_decides_who_publishes(db, factory, policy):
    territory = factory.territory(publish_policy=policy, trusted_after=2)
    elsewhere = factory.territory()
    users = {
        "animator": factory.user(roles={territory: "animator"}),
        "contributor": factory.user(roles={territory: "contributor"}),
        "member": factory.user(roles={territory: "member"}),
        "unconfirmed member": factory.user(roles={territory: "member"}, confirmed=False),
        "trusted member": factory.user(roles={territory: "member"}),
        "outsider": factory.user(roles={elsewhere: "contributor"}),
    }
    for n in range(2):
        factory.page(territory=territory, author=users["trusted member"], title=f"Approuvée {n}")
    # The untrusted member has as many, but elsewhere or not approved: they do not count.
    factory.page(territory=elsewhere, author=users["member"], title="Ailleurs")
    factory.page(territory=territory, author=users["member"], title="En attente", status="pending")
    for role, expected in zip(ROLES, POLICY_TABLE[policy], strict=True):
        item = Page(title="Nouvelle", body="x", territory=territory, author=users[role])
        assert can(users[role], "publish", item) is expected, (policy, role)
    admin = factory.user(admin=True)
    assert can(admin, "publish", Page(title="x", body="x", territory=territory))


def test_a_member_becomes_trusted_after_n_approved_publications(db, factory):
    territory = factory.territory(publish_policy="trusted", trusted_after=3)
    member = factory.user(roles={territory: "member"})
    approved = [factory.page(territory=territory, author=member, title=f"P{n}") for n in range(2)]
    item = Page(title="Nouvelle", body="x", territory=territory, author=member)
    assert not can(member, "publish", item)
    third = factory.page(territory=territory, author=member, title="P2", status="pending")
    # The item being decided does not count for itself.
    assert not can(member, "publish", third)
    third.publish()
    db.session.commit()
    assert can(member, "publish", item)
    assert not can(member, "publish", third)  # two others only
    territory.trusted_after = 2
    db.session.commit()
    assert can(member, "publish", third)
    assert len(approved) == 2


def test_a_trusted_member_proposal_is_published_at_once(testapp_en, log_in, db, factory):
    territory = factory.territory(publish_policy="trusted", trusted_after=1)
    member = factory.user(roles={territory: "member"})
    newcomer = factory.user(roles={territory: "member"})
    factory.page(territory=territory, author=member, title="Déjà approuvée")
    from csti.models import Article

    for user, title in ((member, "De confiance"), (newcomer, "Nouvelle venue")):
        db.session.rollback()
        log_in(testapp_en, user)
        form = testapp_en.get("/articles/new").forms["article-form"]
        form["title"] = title
        form["territory"] = str(territory.id)
        form["body"] = "Du texte"
        assert form.submit("action", value="publish").status_int == 303
    db.session.rollback()
    statuses = dict(db.session.execute(select(Article.title, Article.status)).all())
    assert statuses == {"De confiance": "published", "Nouvelle venue": "pending"}


@pytest.mark.slow
def test_the_migration_turns_trusts_members_into_the_policy_and_back(tmp_path):
    """trusts_members True → "everyone", False → "contributors"; downgrading maps them back."""
    import sqlalchemy as sa

    from tests.databases import scratch_database
    from tests.test_migrations import flask_db

    with scratch_database(tmp_path, "policy") as url:
        flask_db(url, tmp_path, "upgrade", "e5f6a7b8c9d0")
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                for slug, trusts in (("confiant", True), ("prudent", False)):
                    conn.execute(sa.text(
                        "INSERT INTO territory (slug, name, description, center_lat, center_lng, zoom, color_primary,"
                        " color_secondary, trusts_members) VALUES (:slug, :slug, '', 45, 5, 8, '#1d4e89', '#f2a900',"
                        " :trusts)"), {"slug": slug, "trusts": trusts})
            flask_db(url, tmp_path, "upgrade", "3c4d5e6f7a8b")
            with engine.connect() as conn:
                rows = dict(conn.execute(sa.text("SELECT slug, publish_policy FROM territory")).all())
                assert rows == {"confiant": "everyone", "prudent": "contributors"}
                assert set(conn.execute(sa.text("SELECT trusted_after FROM territory")).scalars()) == {5}
            flask_db(url, tmp_path, "downgrade", "e5f6a7b8c9d0")
            with engine.connect() as conn:
                rows = dict(conn.execute(sa.text("SELECT slug, trusts_members FROM territory")).all())
                assert {k: bool(v) for k, v in rows.items()} == {"confiant": True, "prudent": False}
        finally:
            engine.dispose()


def test_an_admin_creates_a_territory_with_its_policy(testapp_en, log_in, db, site):
    log_in(testapp_en, site["admin"])
    form = testapp_en.get("/admin/territories/new").forms["territory-form"]
    assert form["publish_policy"].value == "contributors"
    form["name"], form["slug"] = "Normandie", "normandie"
    form["publish_policy"], form["trusted_after"] = "trusted", "4"
    assert form.submit().status_int == 303
    territory = _fresh(db, "normandie")
    assert (territory.publish_policy, territory.trusted_after) == ("trusted", 4)
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_id == territory.id)) == "territory.created"
    # A taken address: next to its field, 422, nothing created.
    form = testapp_en.get("/admin/territories/new").forms["territory-form"]
    form["name"], form["slug"] = "Autre", "t-un"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert response.html.select_one("#slug-error").get_text(strip=True) == "Another territory uses this address."
    assert _fresh(db).name == "Territoire Un"
