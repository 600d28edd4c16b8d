"""Followers told of new publications: the followers of the author, of the owning structures and
of the tags get one "new_content" notification each, named after the author — never the author
themself, never twice, never for what is not published (a pending item waits for its approval,
a private dossier is nobody's news); a followed project's news reach its followers."""
import pytest
from sqlalchemy import event, func, select

from csti.blueprints.follows.operations import follow
from csti.models import Article, Dossier, Notification, Project
from tests.conftest import csrf_headers, login

pytestmark = pytest.mark.statements  # counts SQL statements: the data cache is off (tests/conftest.py)


@pytest.fixture
def world(db, factory, make_actor):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(email="camille@example.org", name="Camille Martin", roles={territory: "contributor"})
    member = factory.user(email="sam@example.org", name="Sam Durand", roles={territory: "member"})
    animator = factory.user(email="anim@example.org", name="Ada Animatrice", roles={territory: "animator"})
    structure = make_actor(territory, "Muséum de Toulouse", managers=[author, member])
    people = {name: factory.user(name=name) for name in ("of_author", "of_member", "of_structure", "of_tag",
                                                          "of_all", "nobody")}
    follow(people["of_author"], author)
    follow(people["of_member"], member)
    follow(people["of_structure"], structure)
    for target in (author, member, structure):
        follow(people["of_all"], target)
    db.session.commit()
    from csti.models import Tag

    tag = Tag.get_or_create("astronomie")
    db.session.commit()
    follow(people["of_tag"], tag)
    follow(people["of_all"], tag)
    follow(author, tag)  # the author follows the tag too: not told of their own item
    follow(author, structure)
    db.session.commit()
    return {"territory": territory, "author": author, "member": member, "animator": animator,
            "structure": structure, "people": people, "tag": tag}


def _told(db, item, kind="new_content"):
    """{user id: (count, actor id)} of the notifications of ``kind`` about ``item``."""
    db.session.rollback()
    rows = db.session.execute(select(Notification.user_id, func.count(), func.max(Notification.actor_id))
                              .where(Notification.content_id == item.id, Notification.kind == kind)
                              .group_by(Notification.user_id)).all()
    return {user_id: (count, actor_id) for user_id, count, actor_id in rows}


def _sentence(element):
    return " ".join(element.get_text().split())


def _new_article(testapp, world, title="La nuit des étoiles"):
    form = testapp.get("/articles/new").forms["article-form"]
    form["title"], form["body"], form["territory"] = title, "Observer le ciel.", str(world["territory"].id)
    form["tags"] = "astronomie"
    form["owners"] = [str(world["structure"].id)]
    response = form.submit("action", value="publish")
    assert response.status_int == 303, response.text
    return response


def test_publishing_tells_each_follower_once_and_not_the_author(testapp_en, db, world):
    login(testapp_en, "camille@example.org")
    _new_article(testapp_en, world)
    db.session.rollback()
    article = db.session.scalar(select(Article))
    assert article.is_published and [t.slug for t in article.tags] == ["astronomie"]
    p, author = world["people"], world["author"]
    assert _told(db, article) == {p[name].id: (1, author.id) for name in ("of_author", "of_structure", "of_tag",
                                                                           "of_all")}
    # The follower reads who published what.
    testapp_en.reset()
    login(testapp_en, p["of_all"].email)
    page = testapp_en.get("/notifications")
    item = page.html.select_one(".notifications li")
    assert _sentence(item).startswith("Camille Martin published “La nuit des étoiles”. · ")
    assert "new" in _sentence(item)
    assert item.find("a")["href"] == f"/article/{article.id}-{article.slug}"


def test_a_pending_item_tells_the_followers_on_approval_only(testapp_en, db, world):
    login(testapp_en, "sam@example.org")
    _new_article(testapp_en, world, "Un atelier proposé")
    db.session.rollback()
    article = db.session.scalar(select(Article))
    assert article.status == "pending" and _told(db, article) == {}
    testapp_en.reset()
    login(testapp_en, "anim@example.org")
    page = testapp_en.get("/moderation")
    testapp_en.post(f"/content/{article.id}/approve", headers=csrf_headers(page))
    p, member = world["people"], world["member"]
    # Told by the author's name, not the animator's; Camille manages the structure and follows
    # the tag: told too, as any follower who is not the author.
    expected = {p[name].id: (1, member.id) for name in ("of_member", "of_structure", "of_tag", "of_all")}
    expected[world["author"].id] = (1, member.id)
    assert _told(db, article) == expected
    assert _told(db, article, "approved") == {member.id: (1, world["animator"].id)}
    # Back to review (moved, edited…) and approved again: nobody is told twice.
    from csti.moderation import decide

    article = db.session.get(Article, article.id)
    article.status = "pending"
    decide(article, world["animator"], True)
    db.session.commit()
    assert _told(db, article) == expected


def test_a_rejected_item_tells_nobody_but_its_author_why(testapp_en, db, world):
    login(testapp_en, "sam@example.org")
    _new_article(testapp_en, world, "Un article à revoir")
    db.session.rollback()
    article = db.session.scalar(select(Article))
    testapp_en.reset()
    login(testapp_en, "anim@example.org")
    form = next(f for f in testapp_en.get("/moderation").forms.values()
                if f.action.endswith(f"/content/{article.id}/reject"))
    form["reason"] = "Il manque la date de l’atelier."
    form.submit(status=303)
    assert _told(db, article) == {}
    assert _told(db, article, "rejected") == {world["member"].id: (1, world["animator"].id)}
    testapp_en.reset()
    login(testapp_en, "sam@example.org")
    text = _sentence(testapp_en.get("/notifications").html.select_one(".notifications li"))
    assert text.startswith("Your publication “Un article à revoir” was rejected by Ada Animatrice: "
                           "Il manque la date de l’atelier. · ")
    # Edited and submitted again, the item's own note goes; the notification keeps its reason.
    db.session.rollback()
    article = db.session.get(Article, article.id)
    article.status, article.moderation_note = "pending", ""
    db.session.commit()
    text = _sentence(testapp_en.get("/notifications").html.select_one(".notifications li"))
    assert "rejected by Ada Animatrice: Il manque la date de l’atelier." in text


def test_a_private_dossier_tells_nobody_until_it_is_public(db, world):
    from csti.blueprints.dossiers.operations import set_visibility

    author = world["author"]
    dossier = Dossier(title="Mes lectures", territory=world["territory"], author=author)
    dossier.add_tag("astronomie")
    db.session.add(dossier)
    set_visibility(dossier, True, author)
    db.session.commit()
    assert _told(db, dossier) == {}
    dossier = db.session.get(Dossier, dossier.id)
    set_visibility(dossier, False, author)  # public: published at once (a contributor)
    db.session.commit()
    p = world["people"]
    assert set(_told(db, dossier)) == {p["of_author"].id, p["of_tag"].id, p["of_all"].id}


def test_a_rolled_back_publication_tells_nobody(db, world):
    from csti.moderation import submit

    article = Article(title="Annulé", territory=world["territory"], author=world["author"], article_kind="news")
    article.add_tag("astronomie")
    db.session.add(article)
    submit(article, world["author"])
    db.session.flush()
    article_id = article.id
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.content_id == article_id)) == 0
    other = Article(title="Publié", territory=world["territory"], author=world["author"], article_kind="news")
    db.session.add(other)
    db.session.commit()  # nothing pending from the rolled back one leaks here
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_telling_followers_takes_as_many_statements_for_many_followers(db, factory, world):
    from csti.blueprints.follows.operations import notify_new_content

    engine = db.engine
    counts = []
    for n in (2, 30):
        followers = [factory.user() for _ in range(n)]
        for person in followers:
            follow(person, world["structure"])
        db.session.commit()
        article = Article(title=f"Article {n}", territory=world["territory"], author=world["author"],
                          article_kind="news")
        article.owners = [world["structure"]]
        article.publish()
        db.session.add(article)
        db.session.flush()
        statements = []
        listener = lambda *args, _s=statements: _s.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            notify_new_content(article)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        db.session.commit()
        counts.append(len(statements))
        assert len(_told(db, article)) >= n
    assert counts[0] == counts[1] <= 2


def test_a_followed_project_s_news_reach_its_followers(testapp_en, db, factory, world):
    author = world["author"]
    project = Project(title="Capteurs citoyens", territory=world["territory"], author=author, stage="in_progress")
    project.publish()
    db.session.add(project)
    db.session.commit()
    fan, nobody = factory.user(name="Fan"), world["people"]["nobody"]
    follow(fan, project)
    follow(author, project)
    db.session.commit()
    login(testapp_en, "camille@example.org")
    form = testapp_en.get(f"/project/{project.id}-{project.slug}").forms["update-form"]
    form["body"] = "Premier prototype testé !"
    form.submit(status=303)
    assert _told(db, project, "content_update") == {fan.id: (1, author.id)}
    assert nobody.id not in _told(db, project, "content_update")
    testapp_en.reset()
    login(testapp_en, fan.email)
    text = _sentence(testapp_en.get("/notifications").html.select_one(".notifications li"))
    assert text.startswith("Camille Martin posted news of “Capteurs citoyens”.")


def test_a_followed_dossier_s_new_items_reach_its_followers(testapp_en, db, factory, world):
    from csti.blueprints.dossiers.operations import add_item

    author = world["author"]
    dossier = Dossier(title="Le ciel en famille", territory=world["territory"], author=author)
    dossier.publish()
    db.session.add(dossier)
    db.session.commit()
    fan = factory.user(name="Fan", locale="en")
    follow(fan, dossier)
    db.session.commit()
    add_item(dossier, world["structure"], author)
    db.session.commit()
    assert _told(db, dossier, "dossier_item") == {fan.id: (1, author.id)}
    login(testapp_en, fan.email)
    text = _sentence(testapp_en.get("/notifications").html.select_one(".notifications li"))
    assert text.startswith("Camille Martin added a publication to the dossier “Le ciel en famille”.")


def test_only_followers_who_may_view_the_item_are_told(db, world, monkeypatch):
    """Should a published item not be public (a rule of ``can()``), each follower is checked."""
    from csti.blueprints.follows import operations
    from csti.moderation import submit

    p = world["people"]
    hidden_from = {None, p["of_tag"].id}
    real_can = operations.can
    monkeypatch.setattr(operations, "can", lambda user, action, obj=None: (
        getattr(user, "id", None) not in hidden_from and real_can(user, action, obj)))
    article = Article(title="Réservé", territory=world["territory"], author=world["author"], article_kind="news")
    article.add_tag("astronomie")
    db.session.add(article)
    submit(article, world["author"])
    db.session.commit()
    assert set(_told(db, article)) == {p["of_author"].id, p["of_all"].id}
