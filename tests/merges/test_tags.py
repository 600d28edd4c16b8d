"""Merging a tag into another: items and follows move once, the old address redirects (301),
bad input changes nothing."""
from sqlalchemy import func, select

from csti.models import AuditLog, Follow, Tag, TagRedirect, content_tag
from csti.search import search


def _tag(db, slug):
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def _tag_slugs(db, item):
    db.session.rollback()  # see what the requests committed
    return sorted(t.slug for t in db.session.get(type(item), item.id).tags)


def _token(testapp):
    """A valid CSRF token of this browser (from <body hx-headers>)."""
    from tests.conftest import csrf_headers

    return csrf_headers(testapp.get("/"))["X-CSRFToken"]


def _merge(testapp, source, target, status=303):
    page = testapp.get("/tags/merge", params={"source": source})
    form = page.forms["tag-merge-form"]
    form["target"] = target
    return form.submit(status=status)


def test_merge_moves_items_and_follows_once_and_redirects(testapp_en, log_in, db, factory, occitanie, animator):
    both = factory.page(occitanie, title="Les deux", tags=["Astro", "Astronomie"])
    only_old = factory.page(occitanie, title="Ancien seul", tags=["Astro"])
    only_new = factory.page(occitanie, title="Nouveau seul", tags=["Astronomie"])
    fan_of_both, fan_of_old = factory.user(), factory.user()
    old, new = _tag(db, "astro"), _tag(db, "astronomie")
    db.session.add_all([Follow(follower_id=fan_of_both.id, tag_id=old.id),
                        Follow(follower_id=fan_of_both.id, tag_id=new.id),
                        Follow(follower_id=fan_of_old.id, tag_id=old.id)])
    db.session.commit()
    new_id = new.id
    log_in(testapp_en, animator)

    response = _merge(testapp_en, "astro", "Astronomie")

    assert response.location.endswith("/tags/astronomie")
    assert _tag(db, "astro") is None
    assert _tag_slugs(db, both) == ["astronomie"]
    assert _tag_slugs(db, only_old) == ["astronomie"]
    assert _tag_slugs(db, only_new) == ["astronomie"]
    assert db.session.scalar(select(func.count()).select_from(content_tag).where(content_tag.c.tag_id == new_id)) == 3
    follows = db.session.execute(select(Follow.follower_id).where(Follow.tag_id == new_id)).scalars().all()
    assert sorted(follows) == sorted([fan_of_both.id, fan_of_old.id])
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "tag.merge"))
    assert entry.actor_id == animator.id and entry.target_id == new_id
    assert entry.details["before"]["source"] == "astro" and entry.details["after"]["follows_moved"] == 1
    # The old address and its feed lead to the tag kept.
    old_page = testapp_en.get("/tags/astro?page=2", status=301)
    assert old_page.location.endswith("/tags/astronomie?page=2")
    assert testapp_en.get("/tags/astro.atom", status=301).location.endswith("/tags/astronomie.atom")
    assert testapp_en.get("/tags/astro/agenda.ics", status=301).location.endswith("/tags/astronomie/agenda.ics")
    page = testapp_en.get("/tags/astronomie")
    assert "Ancien seul" in page.text and "Les deux" in page.text
    # Tagging with the merged name later gives the tag kept, not a new duplicate.
    assert Tag.get_or_create("Astro").id == new_id


def test_chained_merges_redirect_to_the_last_tag(testapp_en, log_in, db, factory, occitanie, animator):
    factory.page(occitanie, tags=["Robot", "Robots", "Robotique"])
    log_in(testapp_en, animator)
    _merge(testapp_en, "robot", "robots")
    _merge(testapp_en, "robots", "robotique")
    assert testapp_en.get("/tags/robot", status=301).location.endswith("/tags/robotique")
    assert testapp_en.get("/tags/robots", status=301).location.endswith("/tags/robotique")
    target = _tag(db, "robotique")
    assert {r.old_slug: r.tag_id for r in db.session.scalars(select(TagRedirect))} == {
        "robot": target.id, "robots": target.id}


def test_merging_into_itself_or_a_missing_tag_is_refused_and_changes_nothing(
        testapp_en, log_in, db, factory, occitanie, animator):
    item = factory.page(occitanie, tags=["Chimie"])
    log_in(testapp_en, animator)

    page = _merge(testapp_en, "chimie", "CHIMIE", status=422)
    assert "cannot be merged into itself" in page.html.select_one("#target-error").get_text()

    page = _merge(testapp_en, "chimie", "n-existe-pas", status=422)
    assert "No tag “n-existe-pas”" in page.html.select_one("#target-error").get_text()

    page = testapp_en.get("/tags/merge")
    form = page.forms["tag-merge-form"]
    form["source"], form["target"] = "inconnu", "chimie"
    assert "No tag “inconnu”" in form.submit(status=422).html.select_one("#source-error").get_text()

    assert _tag_slugs(db, item) == ["chimie"]
    assert db.session.scalar(select(func.count()).select_from(TagRedirect)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "tag.merge")) == 0


def test_only_animators_and_admins_merge_tags(testapp_en, log_in, db, factory, occitanie):
    factory.page(occitanie, tags=["Physique", "Physiques"])
    contributor = factory.user(roles={occitanie: "contributor"})
    log_in(testapp_en, contributor)
    testapp_en.get("/tags/merge", status=403)
    assert "Merge into another tag" not in testapp_en.get("/tags/physique").text
    token = _token(testapp_en)
    testapp_en.post("/tags/merge", {"csrf_token": token, "source": "physiques", "target": "physique"}, status=403)
    assert _tag(db, "physiques") is not None

    admin = factory.user(admin=True)
    log_in(testapp_en, admin)
    assert "Merge into another tag" in testapp_en.get("/tags/physique").text
    _merge(testapp_en, "physiques", "physique")
    assert _tag(db, "physiques") is None


def test_search_finds_the_moved_items_under_the_tag_kept(testapp_en, log_in, db, factory, occitanie, animator):
    factory.page(occitanie, title="Zythologie comparée", tags=["Brasserie"])
    factory.page(occitanie, tags=["Bieres"])
    log_in(testapp_en, animator)
    _merge(testapp_en, "brasserie", "bieres")
    hits = search("zythologie", {"tags": ["bieres"]})
    assert [h["title"] for h in hits.hits] == ["Zythologie comparée"]
    assert search("zythologie", {"tags": ["brasserie"]}).total == 0
