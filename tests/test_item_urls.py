"""``csti.urls.item_urls``: the maps' point URLs written after one ``url_for`` are the ones
``url_for`` gives — for plain slugs, and for slugs it must quote (a slug edited by hand or
imported with accents or spaces gets ``url_for`` itself)."""
import pytest
from flask import url_for

from csti.urls import item_urls

SLUGS = ["atelier-robotique", "", "a", "été-2026", "deux mots", "a/b", "x?y=1", "100%", "UPPER"]


@pytest.mark.parametrize("endpoint", ["events.show", "actors.show", "articles.show"])
def test_urls_match_url_for(app, endpoint):
    with app.test_request_context("/", base_url="https://csti.example/sub/"):
        build = item_urls(endpoint)
        for id_ in (1, 42, 2_147_483_647):
            for slug in SLUGS:
                assert build(id_, slug) == url_for(endpoint, id=id_, slug=slug), (endpoint, id_, slug)


def test_a_route_of_another_shape_falls_back_to_url_for(app):
    """``/tags/<slug>`` has no id in its path: the URL is url_for's (the id as a query argument)."""
    with app.test_request_context("/"):
        build = item_urls("tags.show")
        assert build(7, "astronomie") == url_for("tags.show", id=7, slug="astronomie") == "/tags/astronomie?id=7"



def test_an_items_url_is_url_fors_in_each_request(app):
    """``Content.url`` (``item_url``) keeps its writer on the request: a second request under
    another root, in the same application context, gets its own URLs, not the first's."""
    from csti.models import Article

    plain, quoted = Article(id=13, slug="robotique", title="y"), Article(id=12, slug="été robotique", title="x")
    with app.app_context():
        for root, path in (("https://csti.example/", "/article/"), ("https://csti.example/sub/", "/sub/article/"),
                           ("https://autre.example/deux/", "/deux/article/")):
            with app.test_request_context("/", base_url=root):
                for item in (plain, quoted, plain):
                    assert item.url == url_for("articles.show", id=item.id, slug=item.slug)
                assert plain.url.startswith(path), (root, plain.url)
