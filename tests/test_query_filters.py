"""The one reading of a list's facet values from the query string (publications, agenda,
directory)."""
from werkzeug.datastructures import MultiDict

from csti.blueprints.actors import directory
from csti.blueprints.events import agenda
from csti.listing import MAX_VALUES, multi


def test_repeated_and_comma_separated_values_once_each_in_order():
    args = MultiDict([("tag", "vélo, jardin"), ("tag", " vélo "), ("tag", ""), ("tag", "compost,,")])
    assert multi(args, "tag") == ["vélo", "jardin", "compost"]


def test_only_allowed_values_and_bounded():
    assert multi(MultiDict([("kind", "workshop,unknown")]), "kind", ("workshop",)) == ["workshop"]
    many = MultiDict([("tag", f"t{i}") for i in range(MAX_VALUES + 5)])
    assert len(multi(many, "tag")) == MAX_VALUES
    assert multi(MultiDict([("tag", "x" * 100)]), "tag") == ["x" * 60]


def test_control_characters_go():
    """PostgreSQL refuses NUL in a string: no filter value carries one (the agenda already
    cleaned its values; the directory and the publications' lists now do too)."""
    assert multi(MultiDict([("territory", "occi\x00tanie\x1b,\x00")]), "territory") == ["occitanie"]


def test_every_list_reads_its_filters_with_it():
    assert agenda.multi is multi and directory.multi is multi
