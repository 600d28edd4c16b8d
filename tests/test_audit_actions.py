"""Every action the code records in the audit log (read from the source: each
``AuditLog.record(…)`` call's action, literal or built from content kinds, choices and route
values) has a label and an entry in the filter; every detail field it records has a human label;
detail values read as people read them (dates, yes/no, choices) in both languages."""
import ast
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csti import auditlog
from csti.models import AuditLog

SOURCE = Path(__file__).resolve().parent.parent / "csti"
KIND = object()  # "any content kind" (``item.kind``)


class _Unknown(Exception):
    pass


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _function_of(node, parents):
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def _is_record(call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "record" and isinstance(func.value, ast.Name)
            and func.value.id == "AuditLog")


def _calls_passing(name, modules):
    """The values passed as keyword ``name=`` anywhere (a helper's parameter, e.g. save_content's
    ``audit_action``)."""
    for _path, tree, parents in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == name:
                        yield keyword.value, parents


def _values(node, parents, modules) -> set:
    """Every string ``node`` may be (KIND for a content kind); _Unknown when it cannot be told."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, parents, modules) | _values(node.orelse, parents, modules)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            parts.append(_values(part.value if isinstance(part, ast.FormattedValue) else part, parents, modules))
        return {tuple(p) for p in itertools.product(*parts)}
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return set().union(*(_values(v, parents, modules) for v in node.value.values))
    if isinstance(node, ast.Attribute) and node.attr == "kind":
        return {KIND}
    if isinstance(node, ast.Name):
        function = _function_of(node, parents)
        if function is not None:
            for decorator in function.decorator_list:  # a route's <any(a, b):name>
                for arg in getattr(decorator, "args", []):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and f":{node.id}>" in arg.value:
                        choices = arg.value.split("<any(", 1)[1].split(")", 1)[0]
                        return {c.strip() for c in choices.split(",")}
            assigned = [n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
            if assigned:
                return set().union(*(_values(v, parents, modules) for v in assigned))
            if node.id in [a.arg for a in function.args.args + function.args.kwonlyargs]:
                found = set()
                for value, value_parents in _calls_passing(node.id, modules):
                    found |= _values(value, value_parents, modules)
                if found:
                    return found
    raise _Unknown(ast.unparse(node))


def _flatten(value, kinds) -> set[str]:
    if value is KIND:
        return set(kinds)
    if isinstance(value, tuple):
        return {"".join(parts) for parts in itertools.product(*(_flatten(v, kinds) for v in value))}
    return {value}


def _record_calls():
    modules = [(path, tree, _parents(tree)) for path, tree in _modules()]
    for path, tree, parents in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_record(node):
                yield path, node, parents, modules


def recorded_actions(kinds) -> dict[str, str]:
    """{action: where} of every action the code records."""
    actions = {}
    for path, call, parents, modules in _record_calls():
        where = f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
        try:
            values = _values(call.args[1], parents, modules)
        except _Unknown as unknown:
            pytest.fail(f"{where}: cannot tell which action {unknown} records (teach this test)")
        for value in values:
            for action in _flatten(value, kinds):
                actions[action] = where
    return actions


def _dict_keys(node, parents) -> set[str]:
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    if isinstance(node, ast.Name):
        function = _function_of(node, parents)
        keys = set()
        for assign in ast.walk(function) if function else []:
            if isinstance(assign, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id
                                                       for t in assign.targets):
                keys |= _dict_keys(assign.value, parents)
        return keys
    return set()


def recorded_fields() -> dict[str, str]:
    """{detail field: where}: the keyword details and the literal keys of before/after."""
    fields = {}
    for path, call, parents, _modules in _record_calls():
        where = f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg in ("before", "after"):
                for key in _dict_keys(keyword.value, parents):
                    fields[key] = where
            elif keyword.arg:
                fields[keyword.arg] = where
    return fields


def test_every_recorded_action_has_a_label_and_a_filter_entry(app):
    with app.test_request_context():
        kinds = list(auditlog._content_kinds())
        actions = recorded_actions(kinds)
        assert {"tag.merge", "user.suspended", "user.content_hidden", "event.registration_close",
                "article.taken_down", "actor.updated", "group.request_refused"} <= set(actions)
        known = auditlog.known_actions()
        missing = {a: where for a, where in actions.items() if a not in known}
        assert not missing, f"actions recorded without a label in csti/auditlog.py: {missing}"
        in_filter = {a for _group, entries in auditlog.action_groups() for a in entries}
        assert set(actions) <= in_filter
        # And no label is left for an action nothing records any more.
        stale = set(auditlog.ACTIONS) - set(actions)
        assert not stale, f"labels of actions nothing records: {stale}"


def test_every_recorded_detail_field_has_a_label(app, db, factory, make_actor):
    from csti import merges
    from csti.models import Tag

    with app.test_request_context():
        fields = set(recorded_fields())
        assert {"ends_at", "sanction_id", "choice", "items_moved", "sanctioned", "reason", "filename"} <= fields
        # The keys built at run time: the merges' counts and steps, the fields a merge fills,
        # the structures import's counts.
        tag = Tag(name="Robotique", slug="robotique")
        db.session.add(tag)
        db.session.flush()
        actor = make_actor(factory.territory(), "Fablab")
        fields |= {f"source_{k}" for k in merges.tag_counts(tag)}
        fields |= set(merges.actor_counts(actor)) | {label for label, _step in merges._steps()}
        fields |= {*merges.FILLED_FIELDS, "location", "social", "id", "title", "territory"}
        fields |= {"created", "updated", "unchanged"}
        unlabelled = sorted(f for f in fields if auditlog.field_label(f) == f)
        assert not unlabelled, f"detail fields without a label in csti/auditlog.py FIELDS: {unlabelled}"


def test_a_merge_s_counts_and_filled_fields_are_labelled(app):
    entry = AuditLog(action="actor.merge", target_type="actor", details={
        "before": {"counts": {"followers": 2, "comments": 0}},
        "after": {"moved": {"followers": 2}, "filled": ["website", "location"]}})
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        changes = {label: (before, after) for label, before, after in auditlog.changes_of(entry)}
    assert changes["What the duplicate had"][0] == "Followers: 2; Comments: 0"
    assert changes["Moved"][1] == "Followers: 2"
    assert changes["Empty fields filled"][1] == "Website, Location"


@pytest.mark.parametrize("locale, expected", [
    ("en", {"ends_at": "Dec 24, 2026, 7:30\u202fPM", "hidden": "no", "choice": "Archived",
            "kind": "Suspension"}),
    ("fr", {"ends_at": "24 déc. 2026, 19:30", "hidden": "non", "choice": "Archivé",
            "kind": "Suspension"}),
])
def test_detail_values_read_as_people_read_them(app, locale, expected):
    entry = AuditLog(action="user.suspended", target_type="user", details={
        "reason": "Spam", "sanction_id": 3, "choice": "archive",
        "before": {"sanctioned": False},
        "after": {"kind": "suspend", "ends_at": datetime(2026, 12, 24, 18, 30, tzinfo=UTC).isoformat(),
                  "hidden": False}})
    with app.test_request_context(headers={"Accept-Language": locale}):
        from flask_babel import force_locale

        with force_locale(locale):
            changes = {label: (before, after) for label, before, after in auditlog.changes_of(entry)}
            others = dict(auditlog.other_details(entry))
            labels = {name: auditlog.field_label(name) for name in ("ends_at", "hidden", "choice", "kind",
                                                                    "sanctioned")}
    assert changes[labels["ends_at"]][1] == expected["ends_at"]
    assert changes[labels["hidden"]][1] == expected["hidden"]
    assert changes[labels["kind"]][1] == expected["kind"]
    assert changes[labels["sanctioned"]][0] == ("no" if locale == "en" else "non")
    assert others[labels["choice"]] == expected["choice"]
    assert all(label != name for name, label in labels.items())
