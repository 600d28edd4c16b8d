"""The catalogue of trainings for CSTI professionals (/trainings) and a training's page."""
from .helpers import in_days, path


def test_trainings_lists_only_upcoming_trainings_with_their_facts(testapp_en, make_event, occitanie):
    training = make_event(occitanie, "Concevoir un atelier de médiation", kind="training", start=in_days(12, 9),
                          hours=7, objectives="Construire une séquence d'atelier de **A à Z**.",
                          prerequisites="Aucun.", trainer="Claire Martin", duration_text="2 jours",
                          certificate=True, summary="Pour les médiateurs débutants.")
    make_event(occitanie, "Conférence grand public", kind="talk", start=in_days(5))
    make_event(occitanie, "Formation passée", kind="training", start=in_days(-20), trainer="Yann Le Gall")
    make_event(occitanie, "Formation en brouillon", kind="training", start=in_days(8), status="draft")

    page = testapp_en.get("/trainings")
    cards = page.html.select(".training-list .card")
    assert [c.find("h2").get_text(strip=True) for c in cards] == ["Concevoir un atelier de médiation"]
    facts = dict(zip([dt.get_text(strip=True) for dt in cards[0].select("dt")],
                     [dd.get_text(" ", strip=True) for dd in cards[0].select("dd")], strict=True))
    assert facts == {"Objectives": "Construire une séquence d'atelier de A à Z.", "Prerequisites": "Aucun.",
                     "Trainer": "Claire Martin", "Duration": "2 jours"}
    assert cards[0].find("a")["href"] == path(training)

    shown = testapp_en.get(path(training))
    section = shown.html.find(id="training-title").parent
    assert "Claire Martin" in section.text and "2 jours" in section.text
    assert section.find("strong").get_text() == "A à Z"  # objectives are Markdown
    assert "Certificate" in section.text and "Yes" in section.text


def test_no_training_planned(testapp_en, make_event, occitanie):
    make_event(occitanie, "Conférence", kind="talk")
    page = testapp_en.get("/trainings")
    assert "No training planned at the moment." in page.text
    assert testapp_en.get("/trainings?page=99999999999999999999").status_int == 200


def test_the_agenda_links_the_trainings(testapp_en):
    page = testapp_en.get("/agenda")
    assert page.html.find("a", href="/trainings") is not None
