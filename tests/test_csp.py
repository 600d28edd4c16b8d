"""The Content-Security-Policy names the exact pinned files the site loads from a CDN, never a
whole host (issue 11): another package on the same CDN cannot be loaded as a script or style."""
import pytest

from csti import create_app


def _directives(csp):
    return {part.split()[0]: part.split()[1:] for part in csp.split("; ")}


def test_scripts_and_styles_are_the_pinned_files_only(testapp, app):
    csp = _directives(testapp.get("/").headers["Content-Security-Policy"])
    cfg = app.config
    assert sorted(csp["script-src"]) == sorted(
        ["'self'", cfg["HTMX_URL"], cfg["LEAFLET_JS_URL"], cfg["MARKERCLUSTER_JS_URL"]])
    assert sorted(csp["style-src"]) == sorted(
        ["'self'", cfg["LEAFLET_CSS_URL"], cfg["MARKERCLUSTER_CSS_URL"], cfg["MARKERCLUSTER_DEFAULT_CSS_URL"]])
    for source in csp["script-src"] + csp["style-src"]:
        # An exact file: a path that does not end with "/" (a host or folder would match more).
        assert source == "'self'" or (source.startswith("https://") and source.count("/") > 3
                                      and not source.endswith("/")), source
    assert "https://cdn.jsdelivr.net" not in csp["script-src"]
    assert not any("unsafe" in s for s in csp["script-src"] + csp["style-src"])
    # The tile server's host only, for images.
    assert sorted(csp["img-src"]) == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert csp["object-src"] == ["'none'"]


def test_a_url_with_a_comma_or_semicolon_cannot_add_directives(app):
    """A source with characters CSP gives a meaning to is percent-encoded, not written raw."""
    evil = create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                               "HTMX_URL": "https://cdn.example.org/htmx.js; script-src *,x y"})
    with evil.test_request_context("/"):
        from csti.security import content_security_policy

        csp = _directives(content_security_policy())
    assert "https://cdn.example.org/htmx.js%3B%20script-src%20*%2Cx%20y" in csp["script-src"]
    assert "*" not in csp["script-src"]


@pytest.mark.parametrize("tile_url,hosts", [
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
     ["https://a.tile.openstreetmap.org", "https://b.tile.openstreetmap.org", "https://c.tile.openstreetmap.org"]),
    ("https://tiles.example.org:8443/osm/{z}/{x}/{y}{r}.png", ["https://tiles.example.org:8443"]),
    ("/tiles/{z}/{x}/{y}.png", []),
])
def test_tile_hosts_are_allowed_as_images(app, tile_url, hosts):
    other = create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                "TILE_URL": tile_url})
    with other.test_request_context("/"):
        from csti.security import content_security_policy

        csp = _directives(content_security_policy())
    assert sorted(csp["img-src"]) == sorted(["'self'", "data:", *hosts])


def test_an_instance_serving_its_own_copy_needs_no_cdn(app):
    own = create_app("test", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "HTMX_URL": "/static/vendor/htmx.min.js"})
    with own.test_request_context("/"):
        from csti.security import content_security_policy

        csp = _directives(content_security_policy())
    assert own.config["HTMX_URL"] not in csp["script-src"]  # 'self' covers it
    assert "'self'" in csp["script-src"]
