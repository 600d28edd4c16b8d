"""A page number that is not one (a superscript two, a circled one: str.isdigit() says yes,
int() says no) never fails a page: the canonical link leaves it out."""
import pytest


@pytest.mark.parametrize("url", ["/?page=%C2%B2", "/articles?page=%E2%91%A0", "/agenda?page=99999999999999999999"])
def test_a_strange_page_number_is_no_500(testapp, url):
    page = testapp.get(url, expect_errors=True)
    assert page.status_int < 500
    canonical = page.html.find("link", rel="canonical") if page.status_int == 200 else None
    assert canonical is None or "page=" not in canonical["href"]
