"""Dossiers: members' collections of content from every territory — creating them (form and
"Add to a dossier"), private ones seen by their curators only, items ordered, annotated and
removed, collaborators, the public list with its filters, and the bad input of each action."""
import re

from sqlalchemy import func, select

from csti.blueprints.dossiers import operations as ops
from csti.models import Announcement, Article, Dossier, DossierCollaborator, DossierItem
from csti.search.documents import document
from tests.conftest import csrf_headers

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _article(db, territory, title="Une nuit au planétarium", author=None, status="published", tags=()):
    item = Article(title=title, article_kind="news", territory=territory, author=author,
                   summary=f"Résumé : {title}", body="Du *texte*.")
    for tag in tags:
        item.add_tag(tag)
    if status == "published":
        item.publish()
    else:
        item.status = status
    db.session.add(item)
    db.session.commit()
    return item


def _dossier(db, owner, territory, title="Mes sorties", private=False, items=(), collaborators=(), tags=(),
             summary=""):
    dossier = Dossier(title=title, territory=territory, author=owner, summary=summary or f"Résumé de {title}")
    for tag in tags:
        dossier.add_tag(tag)
    db.session.add(dossier)
    dossier.is_private = private
    if private:
        dossier.status = "draft"
    else:
        dossier.publish()
    for content in items:
        ops.add_item(dossier, content, owner)
    for user in collaborators:
        ops.add_collaborator(dossier, user)
    db.session.commit()
    return dossier


def _url(content):
    return f"/{content.kind}/{content.id}-{content.slug}"


def _items(db, dossier_id):
    db.session.rollback()
    return [(e.content.title, e.note) for e in db.session.get(Dossier, dossier_id).items]


def _count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


# --- creating -------------------------------------------------------------------------------
def test_contributor_creates_a_public_dossier_listed_on_the_site(testapp_en, db, factory, log_in):
    territory = factory.territory(name="Occitanie", slug="occitanie")
    owner = factory.user(name="Camille", roles={territory: "contributor"})
    log_in(testapp_en, owner)
    form = testapp_en.get("/dossiers/new").forms["dossier-form"]
    form["title"] = "Astronomie en famille"
    form["territory"] = str(territory.id)
    form["summary"] = "Regarder le ciel avec les enfants."
    form["body"] = "Une sélection **choisie**."
    form["tags"] = "astronomie, familles"
    assert form["visibility"].value == "public"
    page = form.submit().follow()
    assert page.html.find("h1", id="item-title").text == "Astronomie en famille"
    assert "<strong>choisie</strong>" in page.text
    assert "No item yet." in page.text
    db.session.rollback()
    dossier = db.session.scalar(select(Dossier))
    assert (dossier.status, dossier.is_private, dossier.author_id) == ("published", False, owner.id)
    assert [t.slug for t in dossier.tags] == ["astronomie", "familles"]
    testapp_en.reset()
    listing = testapp_en.get("/dossiers")
    assert [a.text for a in listing.html.select("#results h3 a")] == ["Astronomie en famille"]
    assert document(dossier) is not None  # a public, published dossier is found by search


def test_a_member_of_a_reviewing_territory_waits_for_the_animators(testapp_en, db, factory, log_in):
    territory = factory.territory(publish_policy="contributors")
    member = factory.user(roles={territory: "member"})
    log_in(testapp_en, member)
    form = testapp_en.get("/dossiers/new").forms["dossier-form"]
    form["title"] = "À relire"
    form["territory"] = str(territory.id)
    page = form.submit().follow()
    assert "will review the dossier" in page.text
    db.session.rollback()
    assert db.session.scalar(select(Dossier.status)) == "pending"
    testapp_en.reset()
    assert "À relire" not in testapp_en.get("/dossiers").text


def test_an_empty_title_is_refused_and_nothing_is_saved(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user(roles={territory: "contributor"})
    article = _article(db, territory)
    log_in(testapp_en, owner)
    form = testapp_en.get("/dossiers/new").forms["dossier-form"]
    form["title"] = "   "
    form["territory"] = str(territory.id)
    form["body"] = "Un texte à garder"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert "Give a title." in response.html.find(id="title-error").text
    assert "Un texte à garder" in response.html.find(id="body").text
    # The same from "Add to a dossier": the picker comes back with the message, in place.
    picker = testapp_en.get(f"/content/{article.id}/dossiers")
    quick = picker.forms[f"dossier-new-{article.id}"]
    quick["title"] = ""
    response = quick.submit(expect_errors=True, headers={"HX-Request": "true"})
    assert response.status_int == 422
    assert "<html" not in response.text
    assert "Give a title." in response.html.find(id=f"dossier-new-title-{article.id}-error").text
    # Without JavaScript: the picker's page again, with the message.
    response = quick.submit(expect_errors=True)
    assert response.status_int == 422 and response.html.find("h1") is not None
    assert response.html.find(id=f"dossier-new-title-{article.id}")["aria-invalid"] == "true"
    assert _count(db, Dossier) == 0 and _count(db, DossierItem) == 0


def test_unconfirmed_members_cannot_create_dossiers(testapp_en, db, factory, log_in):
    territory = factory.territory()
    article = _article(db, territory)
    log_in(testapp_en, factory.user(confirmed=False))
    assert testapp_en.get("/dossiers/new", expect_errors=True).status_int == 403
    picker = testapp_en.get(f"/content/{article.id}/dossiers")
    assert "Confirm your e-mail address to create a dossier." in picker.text
    response = testapp_en.post(f"/content/{article.id}/dossiers", {"title": "Non"}, headers=csrf_headers(picker),
                               expect_errors=True)
    assert response.status_int == 403
    assert _count(db, Dossier) == 0


# --- "Add to a dossier" ---------------------------------------------------------------------
def test_content_pages_offer_add_to_a_dossier_to_members(testapp_en, db, factory, log_in, make_actor):
    territory = factory.territory()
    member = factory.user()
    article = _article(db, territory)
    draft = _article(db, territory, "Brouillon", author=member, status="draft")
    announcement = Announcement(title="Cherche bénévoles", territory=territory, announcement_kind="volunteering")
    announcement.publish()
    db.session.add(announcement)
    db.session.commit()
    actor = make_actor(territory, "Muséum")
    page = factory.page(territory=territory)
    public = _dossier(db, member, territory, "Dossier public")
    urls = [_url(article), _url(announcement), _url(actor), _url(page), _url(public)]
    for url in urls:
        assert testapp_en.get(url).html.find("details", class_="dossier-add") is None, url  # visitors: no
    log_in(testapp_en, member)
    for url, content in zip(urls, (article, announcement, actor, page, public), strict=True):
        box = testapp_en.get(url).html.find(id=f"dossier-add-{content.id}")
        assert box is not None, url
        assert box["hx-get"] == f"/content/{content.id}/dossiers"
        assert box.find("a", href=f"/content/{content.id}/dossiers") is not None  # without JavaScript
    # Unpublished content cannot be added: no button on its page.
    assert testapp_en.get(_url(draft)).html.find(id=f"dossier-add-{draft.id}") is None


def test_items_from_every_territory_go_into_one_dossier_without_javascript(testapp_en, db, factory, log_in,
                                                                           make_actor):
    occitanie = factory.territory(name="Occitanie", slug="occitanie")
    bretagne = factory.territory(name="Bretagne", slug="bretagne")
    grenoble = factory.territory(name="Grenoble-Alpes", slug="grenoble-alpes")
    member = factory.user(roles={occitanie: "contributor"})
    article = _article(db, grenoble, "Atelier ADN")
    actor = make_actor(bretagne, "Océanopolis", postcode="29200")
    log_in(testapp_en, member)

    picker = testapp_en.get(f"/content/{article.id}/dossiers")
    assert picker.html.find("h1").text == "Add “Atelier ADN” to a dossier"
    quick = picker.forms[f"dossier-new-{article.id}"]
    assert quick["territory"].value == str(occitanie.id)  # the member's territory by default
    quick["title"] = "Mon tour de France des sciences"
    response = quick.submit()
    assert response.status_int == 303 and response.location.endswith(_url(article))
    assert "is created, with this item in it" in response.follow().text
    db.session.rollback()
    dossier = db.session.scalar(select(Dossier))
    assert (dossier.territory_id, dossier.status) == (occitanie.id, "published")

    picker = testapp_en.get(f"/content/{actor.id}/dossiers")
    response = picker.forms[f"dossier-choice-{dossier.id}-{actor.id}"].submit()
    assert response.status_int == 303 and response.location.endswith(_url(actor))
    assert _items(db, dossier.id) == [("Atelier ADN", ""), ("Océanopolis", "")]

    page = testapp_en.get(_url(dossier))
    cards = page.html.select("#dossier-items li.dossier-item")
    assert [c.h3.a.text for c in cards] == ["Atelier ADN", "Océanopolis"]
    assert "News · Grenoble-Alpes" in cards[0].find("p", class_="meta").text
    assert "Association · Bretagne" in cards[1].find("p", class_="meta").text
    assert "Résumé : Atelier ADN" in cards[0].text
    # The picker now says the item is in it, and offers to take it out.
    picker = testapp_en.get(f"/content/{actor.id}/dossiers")
    choice = picker.html.find(id=f"dossier-choice-{dossier.id}-{actor.id}")
    assert "in this dossier" in choice.text and choice["action"].endswith(f"/items/{actor.id}/remove")
    picker.forms[f"dossier-choice-{dossier.id}-{actor.id}"].submit()
    assert _items(db, dossier.id) == [("Atelier ADN", "")]


def test_with_htmx_the_picker_is_a_fragment_swapped_in_place(testapp_en, db, factory, log_in):
    territory = factory.territory()
    member = factory.user(roles={territory: "contributor"})
    article = _article(db, territory, "Nuit des étoiles")
    dossier = _dossier(db, member, territory, "Ciel d'été")
    log_in(testapp_en, member)
    page = testapp_en.get(_url(article))
    headers = csrf_headers(page)
    fragment = testapp_en.get(f"/content/{article.id}/dossiers", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in fragment.text
    assert fragment.text.strip().startswith(f'<div id="dossier-picker-{article.id}"')
    added = testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": article.id, "view": "picker"},
                            headers=headers)
    assert added.status_int == 200 and "<html" not in added.text
    choice = added.html.find(id=f"dossier-choice-{dossier.id}-{article.id}")
    assert "in this dossier" in choice.text
    assert choice.find("button").has_attr("data-autofocus")
    live = added.html.find(id="live-messages")
    assert live["hx-swap-oob"] == "innerHTML" and "Added to “Ciel d'été”." in live.text
    created = testapp_en.post(f"/content/{article.id}/dossiers", {"title": "Deuxième", "territory": territory.id},
                              headers=headers)
    assert created.status_int == 200 and "<html" not in created.text
    db.session.rollback()
    second = db.session.scalar(select(Dossier).where(Dossier.title == "Deuxième"))
    assert "in this dossier" in created.html.find(id=f"dossier-choice-{second.id}-{article.id}").text
    assert [e.content_id for e in second.items] == [article.id]


def test_adding_an_item_twice_is_refused_with_a_message(testapp_en, db, factory, log_in):
    territory = factory.territory()
    member = factory.user()
    article = _article(db, territory, "Fête de la science")
    dossier = _dossier(db, member, territory, "Octobre", items=[article])
    log_in(testapp_en, member)
    headers = csrf_headers(testapp_en.get(_url(dossier)))
    for extra in ({}, {"HX-Request": "true"}):
        response = testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": article.id, "view": "picker"},
                                   headers={**headers, **extra}, expect_errors=True)
        assert response.status_int == 409
        assert "“Fête de la science” is already in the dossier “Octobre”." in response.text
    assert _items(db, dossier.id) == [("Fête de la science", "")]


def test_an_unpublished_item_is_refused_and_nothing_is_created(testapp_en, db, factory, log_in):
    territory = factory.territory()
    member = factory.user(roles={territory: "contributor"})
    draft = _article(db, territory, "Mon brouillon", author=member, status="draft")
    dossier = _dossier(db, member, territory, "Lectures")
    private = _dossier(db, factory.user(), territory, "Secret", private=True)
    log_in(testapp_en, member)
    headers = csrf_headers(testapp_en.get(_url(dossier)))
    response = testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": draft.id}, headers=headers,
                               expect_errors=True)
    assert response.status_int == 409
    assert "Only published content can be added to a dossier." in response.text
    # Creating a dossier with it from the picker: refused too, and no empty dossier is left behind.
    response = testapp_en.post(f"/content/{draft.id}/dossiers", {"title": "Nouveau", "territory": territory.id},
                               headers=headers, expect_errors=True)
    assert response.status_int == 409
    assert _count(db, Dossier) == 2 and _count(db, DossierItem) == 0
    # Someone else's private dossier is not content one can see, let alone add.
    response = testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": private.id}, headers=headers,
                               expect_errors=True)
    assert response.status_int == 404
    # A dossier does not go into itself; a malformed request is a 400.
    response = testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": dossier.id}, headers=headers,
                               expect_errors=True)
    assert response.status_int == 409 and "cannot contain itself" in response.text
    assert testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": "x"}, headers=headers,
                           expect_errors=True).status_int == 400
    assert _count(db, DossierItem) == 0


def test_only_curators_add_items(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user()
    stranger = factory.user()
    article = _article(db, territory, "Un article")
    kept = _article(db, territory, "Déjà là")
    private = _dossier(db, owner, territory, "Privé", private=True, items=[kept])
    public = _dossier(db, owner, territory, "Public", items=[kept])
    log_in(testapp_en, stranger)
    headers = csrf_headers(testapp_en.get(_url(article)))
    response = testapp_en.post(f"/dossier/{private.id}/items", {"content_id": article.id}, headers=headers,
                               expect_errors=True)
    assert response.status_int == 404
    assert "This dossier does not exist, or it is private." in response.text
    response = testapp_en.post(f"/dossier/{public.id}/items", {"content_id": article.id}, headers=headers,
                               expect_errors=True)
    assert response.status_int == 403
    assert "Only the owner and the collaborators of this dossier may change its items." in response.text
    for url in (f"/dossier/{public.id}/items/{kept.id}/remove", f"/dossier/{public.id}/items/{kept.id}/up",
                f"/dossier/{public.id}/items/{kept.id}/note"):
        assert testapp_en.post(url, {"note": "Piraté"}, headers=headers, expect_errors=True).status_int == 403
    assert _items(db, private.id) == [("Déjà là", "")] and _items(db, public.id) == [("Déjà là", "")]
    # The stranger's picker lists none of them.
    picker = testapp_en.get(f"/content/{article.id}/dossiers")
    assert "Privé" not in picker.text and "Public" not in picker.text
    # Without the CSRF token nothing happens either.
    log_in(testapp_en, owner)
    assert testapp_en.post(f"/dossier/{public.id}/items", {"content_id": article.id},
                           expect_errors=True).status_int == 400
    assert _items(db, public.id) == [("Déjà là", "")]


# --- private dossiers -------------------------------------------------------------------------
def test_a_private_dossier_is_seen_by_its_curators_only(testapp_en, db, factory, log_in):
    territory = factory.territory(slug="bretagne", name="Bretagne")
    owner = factory.user(name="Yann", roles={territory: "contributor"})
    collaborator = factory.user(name="Erwan")
    stranger = factory.user()
    animator = factory.user(roles={territory: "animator"})
    admin = factory.user(admin=True)
    article = _article(db, territory, "Marées", tags=["océan"])
    log_in(testapp_en, owner)
    form = testapp_en.get("/dossiers/new").forms["dossier-form"]
    form["title"] = "Mes idées secrètes"
    form["territory"] = str(territory.id)
    form["tags"] = "océan"
    form["visibility"] = "private"
    page = form.submit().follow()
    assert "Only its owner and collaborators see this dossier." in page.text
    db.session.rollback()
    dossier = db.session.scalar(select(Dossier))
    assert dossier.is_private and dossier.status == "draft"
    ops.add_item(dossier, article, owner)
    ops.add_collaborator(dossier, collaborator)
    db.session.commit()
    url, dossier_id = _url(dossier), dossier.id
    assert document(dossier) is None  # never indexed, never found by search
    assert "Mes idées secrètes" in testapp_en.get("/me/dossiers").text

    for who in (None, stranger, animator):
        testapp_en.reset()
        if who is not None:
            log_in(testapp_en, who)
        assert testapp_en.get(url, expect_errors=True).status_int == 404
        assert testapp_en.get(f"/dossier/{dossier_id}/edit", expect_errors=True).status_int in (302, 404)
        for listing in ("/dossiers", "/dossiers?territory=bretagne", "/tags/ocean", "/dossiers.atom",
                        f"/members/{owner.id}"):
            response = testapp_en.get(listing, expect_errors=True)
            assert "Mes idées secrètes" not in response.text, listing
        if who is not None:
            assert "Mes idées secrètes" not in testapp_en.get(f"/content/{article.id}/dossiers").text
    for who in (collaborator, admin):
        testapp_en.reset()
        log_in(testapp_en, who)
        assert testapp_en.get(url).html.find("h1").text == "Mes idées secrètes"
    # The collaborator has it in "My dossiers" and in the picker.
    testapp_en.reset()
    log_in(testapp_en, collaborator)
    mine = testapp_en.get("/me/dossiers")
    assert "Mes idées secrètes" in mine.text and "Shared with you by Yann" in mine.text
    assert "Mes idées secrètes" in testapp_en.get(f"/content/{article.id}/dossiers").text


def test_private_wins_over_a_published_status(testapp_en, db, factory):
    """Should a private dossier ever carry the published status, it stays out of the list, the
    feed and the index, and its page stays closed."""
    territory = factory.territory()
    dossier = _dossier(db, factory.user(), territory, "Carnet privé", private=True)
    dossier.publish()
    db.session.commit()
    assert document(dossier) is None
    assert "Carnet privé" not in testapp_en.get("/dossiers").text
    assert "Carnet privé" not in testapp_en.get("/dossiers.atom").text
    assert testapp_en.get(_url(dossier), expect_errors=True).status_int == 404


def test_going_private_and_public_again(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user(roles={territory: "contributor"})
    dossier = _dossier(db, owner, territory, "Va-et-vient")
    log_in(testapp_en, owner)
    form = testapp_en.get(f"/dossier/{dossier.id}/edit").forms["dossier-form"]
    assert form["visibility"].value == "public"
    form["visibility"] = "private"
    form.submit().follow()
    db.session.rollback()
    assert (dossier.is_private, dossier.status) == (True, "draft")
    testapp_en.reset()
    assert "Va-et-vient" not in testapp_en.get("/dossiers").text
    log_in(testapp_en, owner)
    form = testapp_en.get(f"/dossier/{dossier.id}/edit").forms["dossier-form"]
    assert form["visibility"].value == "private"
    form["visibility"] = "public"
    form.submit().follow()
    db.session.rollback()
    assert (dossier.is_private, dossier.status) == (False, "published")


# --- the curators' tools ---------------------------------------------------------------------
def test_curators_order_annotate_and_remove_items(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user()
    first, second, third = (_article(db, territory, t) for t in ("Un", "Deux", "Trois"))
    dossier = _dossier(db, owner, territory, "Ordre", items=[first, second, third])
    log_in(testapp_en, owner)
    page = testapp_en.get(_url(dossier))
    # Without JavaScript: the forms post and come back to the list.
    down = next(f for f in page.forms.values() if f.action.endswith(f"/items/{first.id}/down"))
    response = down.submit()
    assert response.status_int == 303 and response.location.endswith(f"{_url(dossier)}#items")
    assert [t for t, _n in _items(db, dossier.id)] == ["Deux", "Un", "Trois"]
    # With htmx: the list comes back alone, the focus stays on the moved item's button.
    headers = csrf_headers(page)
    fragment = testapp_en.post(f"/dossier/{dossier.id}/items/{third.id}/up", headers=headers)
    assert fragment.text.strip().startswith('<div id="dossier-items">')
    assert [a.text for a in fragment.html.select("li.dossier-item h3 a")] == ["Deux", "Trois", "Un"]
    moved = fragment.html.find(id=f"dossier-item-{third.id}")
    assert moved.find("button", attrs={"data-autofocus": True}).text.startswith("Move up")
    # Up at the top changes nothing; its button is disabled.
    testapp_en.post(f"/dossier/{dossier.id}/items/{second.id}/up", headers=headers)
    assert [t for t, _n in _items(db, dossier.id)] == ["Deux", "Trois", "Un"]
    assert testapp_en.get(_url(dossier)).html.find(id=f"dossier-item-{second.id}").find("button").has_attr("disabled")
    # A note, shown on the card.
    form = next(f for f in testapp_en.get(_url(dossier)).forms.values() if f.action.endswith(f"/items/{first.id}/note"))
    form["note"] = "  À voir absolument.  "
    page = form.submit().follow()
    assert "À voir absolument." in page.html.find(id=f"dossier-item-{first.id}").find(class_="dossier-note").text
    assert dict(_items(db, dossier.id))["Un"] == "À voir absolument."
    # A note too long: 422, the message next to the field, the note kept as it was.
    response = testapp_en.post(f"/dossier/{dossier.id}/items/{first.id}/note", {"note": "x" * 501},
                               headers=headers, expect_errors=True)
    assert response.status_int == 422
    assert "500 characters at most" in response.html.find(id=f"note-error-{first.id}").text
    assert dict(_items(db, dossier.id))["Un"] == "À voir absolument."
    # Removing: the item leaves the dossier, the content stays.
    response = testapp_en.post(f"/dossier/{dossier.id}/items/{second.id}/remove", headers=headers)
    assert [a.text for a in response.html.select("li.dossier-item h3 a")] == ["Trois", "Un"]
    assert response.html.find(id="items-title").has_attr("data-autofocus")
    assert _count(db, Article) == 3
    assert testapp_en.post(f"/dossier/{dossier.id}/items/{second.id}/remove", headers=headers,
                           expect_errors=True).status_int == 404


def test_unpublished_items_are_hidden_from_visitors(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user()
    kept = _article(db, territory, "Toujours là")
    gone = _article(db, territory, "Retiré")
    dossier = _dossier(db, owner, territory, "Mélange", items=[kept, gone])
    gone.status = "archived"
    db.session.commit()
    visitor = testapp_en.get(_url(dossier))
    assert [a.text for a in visitor.html.select("li.dossier-item h3 a")] == ["Toujours là"]
    assert "Retiré" not in visitor.text
    assert "1 item" in visitor.html.find(id="items-title").text
    log_in(testapp_en, owner)
    curator = testapp_en.get(_url(dossier))
    assert "no longer published" in curator.html.find(id=f"dossier-item-{gone.id}").text
    assert "Retiré" not in curator.text


def test_deleted_content_leaves_the_dossiers(db, factory):
    territory = factory.territory()
    owner = factory.user()
    article = _article(db, territory, "Éphémère")
    dossier = _dossier(db, owner, territory, "Temps", items=[article])
    db.session.delete(article)
    db.session.commit()
    assert _items(db, dossier.id) == []


def test_owner_shares_with_collaborators_who_curate_but_do_not_own(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user(name="Claire")
    factory.user(email="julien@example.org", name="Julien")
    article = _article(db, territory, "Robotique")
    dossier = _dossier(db, owner, territory, "Partagé", private=True)
    log_in(testapp_en, owner)
    form = testapp_en.get(_url(dossier)).forms["collaborator-form"]
    form["email"] = "personne@example.org"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422
    assert "No member of the site has this address." in response.html.find(id="email-error").text
    form = response.forms["collaborator-form"]
    form["email"] = "Julien@Example.org"
    assert "Julien can now add items" in form.submit().follow().text
    form = testapp_en.get(_url(dossier)).forms["collaborator-form"]
    form["email"] = "julien@example.org"
    response = form.submit(expect_errors=True)
    assert response.status_int == 422 and "Julien already curates this dossier." in response.text
    assert _count(db, DossierCollaborator) == 1

    testapp_en.reset()
    julien = db.session.scalar(select(DossierCollaborator)).user
    log_in(testapp_en, julien)
    picker = testapp_en.get(f"/content/{article.id}/dossiers")
    picker.forms[f"dossier-choice-{dossier.id}-{article.id}"].submit()
    assert _items(db, dossier.id) == [("Robotique", "")]
    page = testapp_en.get(_url(dossier))
    assert page.forms.get("collaborator-form") is None  # the owner chooses the collaborators
    headers = csrf_headers(page)
    assert testapp_en.post(f"/dossier/{dossier.id}/collaborators", {"email": "x@example.org"}, headers=headers,
                           expect_errors=True).status_int == 403
    assert testapp_en.get(f"/dossier/{dossier.id}/delete", expect_errors=True).status_int == 403
    assert testapp_en.post(f"/dossier/{dossier.id}/delete", headers=headers, expect_errors=True).status_int == 403
    edit = testapp_en.get(f"/dossier/{dossier.id}/edit").forms["dossier-form"]
    assert "visibility" not in edit.fields  # the owner decides who sees it
    edit["summary"] = "Complété par Julien."
    edit.submit().follow()
    db.session.rollback()
    assert (dossier.summary, dossier.is_private, dossier.status) == ("Complété par Julien.", True, "draft")
    # Julien leaves: the private dossier is no longer his to see.
    leave = next(f for f in testapp_en.get(_url(dossier)).forms.values() if f.action.endswith(f"/{julien.id}/remove"))
    assert leave.submit().status_int == 303
    assert testapp_en.get(_url(dossier), expect_errors=True).status_int == 404
    assert _count(db, DossierCollaborator) == 0


def test_only_the_owner_deletes_and_the_content_stays(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user()
    stranger = factory.user()
    article = _article(db, territory, "Reste")
    dossier = _dossier(db, owner, territory, "À supprimer", items=[article])
    log_in(testapp_en, stranger)
    assert testapp_en.get(f"/dossier/{dossier.id}/edit", expect_errors=True).status_int == 403
    headers = csrf_headers(testapp_en.get(_url(dossier)))
    assert testapp_en.post(f"/dossier/{dossier.id}/delete", headers=headers, expect_errors=True).status_int == 403
    assert testapp_en.post(f"/dossier/{dossier.id}/edit", {"title": "Piraté", "territory": territory.id},
                           headers=headers, expect_errors=True).status_int == 403
    assert _count(db, Dossier) == 1 and db.session.get(Dossier, dossier.id).title == "À supprimer"
    testapp_en.reset()
    log_in(testapp_en, owner)
    confirm = testapp_en.get(testapp_en.get(_url(dossier)).html.find("a", string="Delete the dossier")["href"])
    response = confirm.forms["dossier-delete-form"].submit()
    assert response.location.endswith("/me/dossiers")
    assert "is deleted" in response.follow().text
    assert _count(db, Dossier) == 0 and _count(db, DossierItem) == 0 and _count(db, Article) == 1


# --- the public list ------------------------------------------------------------------------
def test_list_filters_by_territory_tag_and_text_with_htmx_and_pages(testapp_en, db, factory):
    occitanie = factory.territory(slug="occitanie", name="Occitanie")
    bretagne = factory.territory(slug="bretagne", name="Bretagne")
    owner = factory.user()
    _dossier(db, owner, occitanie, "Volcans et séismes", tags=["géologie"])
    _dossier(db, owner, bretagne, "Algues et marées", tags=["océan"])
    _dossier(db, owner, bretagne, "Phares", tags=["océan", "patrimoine"])
    _dossier(db, owner, bretagne, "Brouillon privé", tags=["océan"], private=True)

    def titles(response):
        return sorted(a.text for a in (response.html.find(id="results") or response.html).select("h3 a"))

    assert titles(testapp_en.get("/dossiers")) == ["Algues et marées", "Phares", "Volcans et séismes"]
    assert titles(testapp_en.get("/dossiers?territory=bretagne")) == ["Algues et marées", "Phares"]
    assert titles(testapp_en.get("/dossiers?tag=patrimoine")) == ["Phares"]
    both = testapp_en.get("/dossiers", {"tag": "Océan", "territory": "bretagne"})
    assert titles(both) == ["Algues et marées", "Phares"]
    fragment = testapp_en.get("/dossiers", {"q": "séisme"}, headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"] and "<html" not in fragment.text
    assert titles(fragment) == ["Volcans et séismes"]
    assert "1 dossier" in fragment.text
    assert testapp_en.get("/dossiers?territory=nowhere&page=-3").status_int == 200
    feed = testapp_en.get("/dossiers.atom?territory=bretagne")
    assert "Phares" in feed.text and "Volcans" not in feed.text and "Brouillon privé" not in feed.text


def test_list_pages(testapp_en, db, factory):
    territory = factory.territory()
    owner = factory.user()
    for n in range(23):
        _dossier(db, owner, territory, f"Dossier numéro {n:02d}")
    first = testapp_en.get("/dossiers")
    assert len(first.html.select("#results h3 a")) == 20
    second = testapp_en.get(first.html.find("a", rel="next")["href"])
    assert len(second.html.select("#results h3 a")) == 3


def test_a_card_counts_the_published_items(testapp_en, db, factory):
    territory = factory.territory()
    owner = factory.user()
    items = [_article(db, territory, t) for t in ("A", "B", "C")]
    _dossier(db, owner, territory, "Trois", items=items)
    items[2].status = "archived"
    db.session.commit()
    card = testapp_en.get("/dossiers").html.select_one("#results li.card")
    assert "2 items" in card.text


# --- XSS --------------------------------------------------------------------------------------
def test_xss_payloads_in_every_text_field_are_inert(testapp_en, db, factory, log_in):
    territory = factory.territory()
    owner = factory.user(roles={territory: "contributor"})
    article = _article(db, territory, "Cible")
    log_in(testapp_en, owner)
    form = testapp_en.get("/dossiers/new").forms["dossier-form"]
    form["title"] = XSS
    form["summary"] = XSS
    form["body"] = XSS
    form["tags"] = "<b>gras</b>"
    form["territory"] = str(territory.id)
    form.submit()
    db.session.rollback()
    dossier = db.session.scalar(select(Dossier))
    headers = csrf_headers(testapp_en.get(_url(dossier)))
    testapp_en.post(f"/dossier/{dossier.id}/items", {"content_id": article.id, "note": XSS}, headers=headers)
    testapp_en.post(f"/content/{article.id}/dossiers", {"title": XSS + " 2", "territory": territory.id},
                    headers=headers)
    pages = [testapp_en.get(_url(dossier)), testapp_en.get("/dossiers"), testapp_en.get("/me/dossiers"),
             testapp_en.get(f"/content/{article.id}/dossiers"),
             testapp_en.get(f"/content/{article.id}/dossiers", headers={"HX-Request": "true"}),
             testapp_en.get(f"/dossier/{dossier.id}/edit"), testapp_en.get("/dossiers.atom")]
    for page in pages:
        assert "<script>alert(1)</script>" not in page.text, page.request.url
        assert not re.search(r"<img[^>]*onerror", page.text), page.request.url
        assert "<b>gras</b>" not in page.text, page.request.url
    show = pages[0]
    assert show.html.find("h1", id="item-title").text == XSS  # shown as text
    assert show.html.find(class_="dossier-note").text.endswith(XSS)
    assert XSS in show.html.find("p", class_="lead").text


# --- demo data ------------------------------------------------------------------------------
def test_demo_dossiers_cross_territories_once(db, factory, make_actor):
    from csti.demo import dossiers as demo_dossiers

    territories = {slug: factory.territory(slug=slug, name=slug.title())
                   for slug in ("occitanie", "bretagne", "grenoble-alpes")}
    emails = {e for d in demo_dossiers.DOSSIERS for e in [d[0], *d[4]]}
    users = {email: factory.user(email=email) for email in emails}
    for slug, territory in territories.items():
        make_actor(territory, f"Fablab {slug}")
        _article(db, territory, f"Un format de {slug}")
    lines = []
    demo_dossiers.seed(territories, users, lines)
    db.session.commit()
    dossiers = db.session.scalars(select(Dossier)).all()
    assert len(dossiers) == len(demo_dossiers.DOSSIERS)
    private = [d for d in dossiers if d.is_private]
    assert len(private) == 1 and private[0].status == "draft" and document(private[0]) is None
    assert all(d.status == "published" for d in dossiers if not d.is_private)
    assert any(len({e.content.territory_id for e in d.items}) > 1 for d in dossiers)
    assert any(d.collaborators for d in dossiers)
    again = []
    demo_dossiers.seed(territories, users, again)
    assert again == ["dossiers already present: none added"]
    assert _count(db, Dossier) == len(demo_dossiers.DOSSIERS)


def test_a_dossier_of_dossiers_reads_their_collaborators_at_once(app, testapp_en, db, factory, log_in):
    """A dossier may hold other dossiers; whether a member sees each one asks who curates it
    (``policy``: owner, collaborators): their collaborators are read in one statement for all of
    them, not one per dossier (their cards leave them unloaded: ``card_skips``)."""
    from sqlalchemy import event as sa_event

    territory = factory.territory(slug="occitanie", name="Occitanie")
    owner = factory.user(email="owner@example.org", name="Owner", roles={territory: "contributor"})
    helper = factory.user(email="helper@example.org", name="Helper", roles={territory: "contributor"})
    reader = factory.user(email="reader@example.org", name="Reader", roles={territory: "member"})
    nested = [_dossier(db, owner, territory, title=f"Sous-dossier {n}", collaborators=[helper]) for n in range(3)]
    outer = _dossier(db, owner, territory, title="Dossier de dossiers", items=nested)
    # A private one the reader curates with its owner: shown to them, not to another member.
    shared = _dossier(db, owner, territory, title="Sous-dossier partagé", collaborators=[reader])
    ops.add_item(outer, shared, owner)
    shared.is_private, shared.status = True, "draft"
    db.session.commit()
    other = factory.user(email="other@example.org", name="Other", roles={territory: "member"})
    log_in(testapp_en, other)
    assert "Sous-dossier partagé" not in {a.text for a in testapp_en.get(_url(outer)).html.select(".card h3 a")}
    log_in(testapp_en, reader)
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        page = testapp_en.get(_url(outer))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", on_execute)
    assert {f"Sous-dossier {n}" for n in range(3)} | {"Sous-dossier partagé"} \
        <= {a.text for a in page.html.select(".card h3 a")}
    # The page's own dossier's (its page shows them) and its dossiers', these in one statement:
    # one per nested dossier made 6.
    assert sum("FROM dossier_collaborator" in s for s in statements) == 3
