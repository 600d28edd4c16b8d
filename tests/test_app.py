"""The foundation: factory, health check, security headers, language, errors."""


def test_healthz(testapp):
    response = testapp.get("/healthz")
    assert response.status_int == 200
    assert response.text == "ok"


def test_home_lists_territories_in_french_by_default(testapp, factory):
    factory.territory(slug="occitanie", name="Occitanie")
    page = testapp.get("/")
    assert '<html lang="fr">' in page.text
    assert "Occitanie" in page.text
    assert page.html.find("a", href="/t/occitanie") is not None


def test_security_headers(testapp):
    response = testapp.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://cdn.jsdelivr.net/npm/" in csp  # exact files: tests/test_csp.py
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_htmx_is_pinned_with_sri(testapp, app):
    page = testapp.get("/")
    script = page.html.find("script", src=app.config["HTMX_URL"])
    assert script is not None
    assert "htmx.org@2.0." in script["src"]
    assert script["integrity"].startswith("sha384-")
    assert script["crossorigin"] == "anonymous"
    # No inline script: the JSON-LD (docs/architecture.md §17) is a data block, never run.
    assert not page.html.find_all("script", src=False, type=lambda t: t != "application/ld+json"), "no inline script"


def test_not_found_page_in_both_languages(testapp):
    response = testapp.get("/nope", status=404)
    assert "Page introuvable" in response.text
    response = testapp.get("/nope", status=404, headers={"Accept-Language": "en"})
    assert "Page not found" in response.text


def test_language_switch_is_remembered(testapp):
    testapp.get("/lang/en?next=/")
    assert '<html lang="en">' in testapp.get("/").text
    testapp.get("/lang/fr")
    assert '<html lang="fr">' in testapp.get("/").text


def test_language_switch_refuses_open_redirect(testapp):
    response = testapp.get("/lang/en?next=https://evil.example/")
    assert response.location.endswith("/")
    assert "evil" not in response.location


def test_a_query_string_that_is_not_utf8_does_not_break_pages(testapp):
    for url in ("/", "/actors", "/agenda", "/tags"):
        response = testapp.get(url, extra_environ={"QUERY_STRING": "q=\xe9t\xe9"})
        assert response.status_int == 200


def test_a_nul_character_in_filters_is_dropped(testapp, factory):
    factory.territory(slug="bzh")
    for url in ("/actors?q=%00", "/actors?territory=%00bzh", "/articles?q=ab%00c", "/announcements?q=%00",
                "/projects?q=%00", "/agenda?q=%00", "/search?q=%00"):
        assert testapp.get(url).status_int == 200, url


def test_an_htmx_request_after_the_session_expired_is_sent_to_the_login_page(testapp):
    response = testapp.get("/me/registrations", headers={"HX-Request": "true",
                           "HX-Current-URL": "http://localhost/agenda?kind=talk"}, expect_errors=True)
    assert response.status_int == 401 and response.text == ""
    assert response.headers["HX-Redirect"] == "/login?next=%2Fagenda%3Fkind%3Dtalk"
    page = testapp.get("/me/registrations")
    assert page.status_int == 302 and page.location.endswith("/login?next=%2Fme%2Fregistrations")
