"""Publishing in a browser: the live Markdown preview, a like that toggles in place, a comment
posted in place — all without a page reload."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from csti.models import Article, Comment, Reaction

from .conftest import log_in

pytestmark = pytest.mark.browser


def _article(f, territory, author, title="Une nuit au planétarium"):
    article = Article(title=title, territory=territory, author=author, article_kind="news",
                      summary="Reportage.", body="Un **beau** texte.")
    article.publish()
    f.db.session.add(article)
    f.db.session.commit()
    return article


def test_the_markdown_preview_follows_the_typing(live, page):
    with live.data() as f:
        territory = f.territory()
        email = f.user(roles={territory: "contributor"}).email
    log_in(page, email)
    page.goto("/articles/new")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    page.locator("#body").fill("## Un intertitre\n\nDu **gras** et <script>window.__xss = 1</script>")
    preview = page.locator("#preview")
    expect(preview.locator("h2")).to_have_text("Un intertitre")
    expect(preview.locator("strong")).to_have_text("gras")
    assert page.evaluate("window.__marker") == 1, "the preview came in place"
    assert page.evaluate("window.__xss === undefined"), "the script in the text did not run"
    assert preview.locator("script").count() == 0


def test_like_toggles_in_place(live, page):
    with live.data() as f:
        territory = f.territory()
        author = f.user(roles={territory: "contributor"})
        reader = f.user(roles={territory: "member"})
        article = _article(f, territory, author)
        email, article_id, url = reader.email, article.id, f"/article/{article.id}-{article.slug}"
    log_in(page, email)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    button = page.locator(f"#like-{article_id} button")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(page.locator(f"#like-{article_id} button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#like-{article_id} .meta")).to_have_text("1 j’aime")
    with live.db() as db:
        assert db.session.scalar(select(func.count(Reaction.id)).where(Reaction.content_id == article_id)) == 1
    page.locator(f"#like-{article_id} button").click()
    expect(page.locator(f"#like-{article_id} button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#like-{article_id} .meta")).to_have_text("0 j’aime")
    assert page.evaluate("window.__marker") == 1, "the like toggled in place"
    with live.db() as db:
        assert db.session.scalar(select(func.count(Reaction.id)).where(Reaction.content_id == article_id)) == 0


def test_a_comment_is_posted_in_place(live, page):
    with live.data() as f:
        territory = f.territory()
        author = f.user(roles={territory: "contributor"})
        reader = f.user(name="Camille Lefèvre", roles={territory: "member"})
        article = _article(f, territory, author)
        email, article_id, url = reader.email, article.id, f"/article/{article.id}-{article.slug}"
    log_in(page, email)
    page.goto(url)
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")
    form = page.locator(f"#comment-form-{article_id}")
    form.locator("textarea").fill("Bravo pour ce *reportage* !")
    form.locator("button[type=submit]").click()
    discussion = page.locator(f"#discussion-{article_id}")
    expect(discussion.locator(".comments em")).to_have_text("reportage")
    expect(discussion.locator(f"#discussion-title-{article_id}")).to_have_text("1 commentaire")
    expect(discussion.locator(".comments")).to_contain_text("Camille Lefèvre")
    assert page.evaluate("window.__marker") == 1, "the comment was posted in place"
    expect(page.locator(f"#comment-form-{article_id} textarea")).to_have_value("")
    with live.db() as db:
        assert db.session.scalar(select(Comment.body).where(Comment.content_id == article_id)) == \
            "Bravo pour ce *reportage* !"
