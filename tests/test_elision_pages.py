"""French elision on pages as in mails: "Logo d’Agglomération…", "Membres d’Occitanie…" — not
"de Agglomération"; English unchanged."""


def test_a_structures_logo_is_described_with_the_elision(testapp, testapp_en, db, factory, make_actor):
    territory = factory.territory()
    actor = make_actor(territory, "Agglomération de Lannion", logo="logos/a.webp")
    french = testapp.get(f"/actor/{actor.id}").follow()
    assert french.html.select_one("img.actor-logo-large")["alt"] == "Logo d’Agglomération de Lannion"
    english = testapp_en.get(f"/actor/{actor.id}").follow()
    assert english.html.select_one("img.actor-logo-large")["alt"] == "Logo of Agglomération de Lannion"


def test_the_roles_page_and_its_refusal_elide(testapp, db, factory, log_in):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    log_in(testapp, factory.user(roles={occitanie: "animator"}))
    page = testapp.get("/t/occitanie/roles")
    assert "Membres d’Occitanie" in page.html.select_one("caption").text
    testapp.reset()
    log_in(testapp, factory.user(roles={occitanie: "member"}))
    refused = testapp.get("/t/occitanie/roles", status=403)
    assert "animateurs d’Occitanie" in refused.text
