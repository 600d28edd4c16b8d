"""Numbers and dates out of the database's range are refused, never a 500 (issue 11): an id in
a URL beyond an SQL integer is a 404 on every route, a query-string or form number beyond it is
ignored or refused next to the field, and a year-1 or year-9999 date is refused or ignored.
PostgreSQL is where the overflows happened ("integer out of range"); run on both databases."""
import re

import pytest

from csti.urls import DB_INT_MAX
from tests.conftest import csrf_headers

from .events.test_form import fill, new_form

HUGE = ["2147483648", "9223372036854775808", "99999999999999999999", "0" * 40 + "1" * 40]


def _value(converter, name):
    return {"int": "1", "path": "x/y", "any": None}.get(type(converter).__name__.removesuffix("Converter").lower(), "x")


def _urls_with_a_huge_id(app):
    """Every rule with an integer part, each integer part in turn set beyond the range."""
    cases = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__.endswith("IntegerConverter")
                or getattr(conv, "num_convert", None) is int]
        if not ints:
            continue
        for huge_name in ints:
            path = rule.rule
            for name, conv in rule._converters.items():
                if name == huge_name:
                    value = HUGE[2]
                elif name in ints:
                    value = "1"
                elif hasattr(conv, "items"):  # any(a, b): the first choice
                    value = sorted(conv.items)[0] if isinstance(conv.items, (set, frozenset)) else conv.items[0]
                else:
                    value = "x"
                path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", value, path)
            cases.append((path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return cases


@pytest.fixture
def admin_client(testapp, factory, log_in):
    return log_in(testapp, factory.user(email="admin@example.org", admin=True))


def test_the_int_converter_is_bounded_on_every_route(app):
    assert app.url_map.converters["int"].__name__ == "DatabaseIntConverter"
    cases = _urls_with_a_huge_id(app)
    assert len(cases) > 40, cases


def test_every_route_with_a_huge_id_is_a_404_or_405(admin_client, app):
    headers = csrf_headers(admin_client.get("/"))
    failures = []
    for path, methods in _urls_with_a_huge_id(app):
        for method in methods:
            if method == "GET":
                response = admin_client.get(path, status="*")
            else:
                response = admin_client.post(path, {}, headers=headers, status="*")
            # 405: the path matches another rule (same path, other method) before the number is read
            if response.status_int not in (404, 405):
                failures.append(f"{method} {path}: {response.status_int}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("number", HUGE)
def test_ids_just_beyond_the_range_are_404(testapp, number):
    testapp.get(f"/article/{number}-x", status=404)
    testapp.get(f"/actor/{number}-x", status=404)
    testapp.get(f"/members/{number}", status=404)


def test_the_largest_id_is_still_looked_up(testapp):
    testapp.get(f"/article/{DB_INT_MAX}-x", status=404)  # no such article, but no 500 either


@pytest.mark.parametrize("query", [
    "organiser=99999999999999999999", "organiser=2147483648", "page=99999999999999999999",
    "from=0001-01-01&to=9999-12-31&when=range", "from=9999-12-31&when=range", "month=0001-01",
    "month=9999-12", "view=calendar&month=9999-12", "view=calendar&month=0001-01",
])
def test_agenda_filters_out_of_range_do_not_fail(testapp, query):
    for path in ("/agenda", "/agenda.ics", "/agenda.geojson", "/trainings"):
        assert testapp.get(f"{path}?{query}", status="*").status_int < 500, path


@pytest.mark.parametrize("path", ["/articles", "/actors", "/projects", "/dossiers", "/announcements", "/search",
                                  "/actors.geojson", "/tags"])
@pytest.mark.parametrize("query", ["page=99999999999999999999", "territory=99999999999999999999",
                                   "organiser=99999999999999999999", "structure=99999999999999999999"])
def test_list_filters_out_of_range_do_not_fail(testapp, path, query):
    assert testapp.get(f"{path}?{query}", status="*").status_int < 500


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


@pytest.mark.parametrize("field,value", [
    ("starts_at", "0001-01-01T10:00"), ("ends_at", "9999-12-31T23:30"), ("starts_at", "9999-12-31T23:00"),
    ("recurrence_until", "9999-12-31"), ("extra_dates", "0001-01-01 10:00"), ("exceptions", "9999-12-31"),
    ("registration_deadline", "0001-01-01T00:00"), ("venue", "99999999999999999999"),
    ("capacity", "99999999999999999999"), ("age_min", "99999999999999999999"),
])
def test_event_form_values_out_of_range_are_refused_next_to_the_field(admin_client, occitanie, field, value):
    form = fill(new_form(admin_client), occitanie)
    if field == "recurrence_until":
        form["recurrence"] = "weekly"
    if field == "capacity":
        form["registration_mode"] = "site"
    if field == "venue":
        form["venue"].force_value(value)
    else:
        form[field] = value
    response = form.submit(status="*")
    assert response.status_int == 422, response.status
    assert response.html.find(id=f"{field}-error") is not None, field


def test_announcement_deadline_in_year_1_is_refused(admin_client, occitanie):
    page = admin_client.get("/announcements/new")
    form = page.forms["announcement-form"]
    form["title"] = "Appel"
    form["territory"] = str(occitanie.id)
    form["summary"] = "Un appel."
    form["deadline"] = "0001-01-01"
    response = form.submit(status="*")
    assert response.status_int == 422
    assert response.html.find(id="deadline-error") is not None
