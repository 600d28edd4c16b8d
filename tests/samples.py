"""Each listed content type's sample for the shared tests (docs/architecture.md §4, step 7).

A registered type with a list has a ``sample`` module in its own test package, named after its
blueprint (``tests/<blueprint>/sample.py``), with ``make(site, n)``: one published item of the
type, with what its card, list and page show (owners, tags, the type's own relations), added
to the session and flushed. ``site`` is the shared sample site (``tests/sample_site.py`` for the
HTML checks, ``tests/test_query_counts.py`` for the query counts); the hook reads its ``db``,
``territory``, ``author`` (a contributor there), ``reader`` (a member), ``owner`` (a structure
the author manages, owner of the items), ``venue`` (a located structure) and ``tag``, and
``n``, a number to tell its items apart; ``publish(site, item)`` ends a hook. The shared tests
derive the type's pages from the registry and check them on these items: a new type is covered
by writing its own sample, no shared file.
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

from csti import registry


def load_all_types() -> None:
    """Import every feature package, so that every content type is registered (as create_app
    does): a module listing the types at collection must not depend on what was imported before."""
    from csti import discover_blueprints

    discover_blueprints()


def listed_types() -> list[registry.ContentType]:
    """The registered types with a public list: the ones the shared tests need a sample of."""
    return [t for t in registry.all() if t.list_endpoint]


def hook(content_type: registry.ContentType) -> ModuleType | None:
    """``tests.<blueprint>.sample``, None when the type's test package has none."""
    name = f"tests.{content_type.blueprint}.sample"
    try:
        return import_module(name)
    except ModuleNotFoundError as error:
        if error.name not in (name, f"tests.{content_type.blueprint}"):
            raise  # the sample itself imports something missing
        return None


def missing() -> list[str]:
    """The listed types without a sample (``make``) in their test package."""
    return [f"{t.kind}: tests/{t.blueprint}/sample.py" for t in listed_types()
            if not callable(getattr(hook(t), "make", None))]


def make_all(site, n: int) -> dict:
    """One sample item of every listed type, by kind (in registration order)."""
    absent = missing()
    assert not absent, f"content types without a sample for the shared tests: {absent}"
    return {t.kind: hook(t).make(site, n) for t in listed_types()}


def endpoint(app, content_type: registry.ContentType, name: str) -> str | None:
    """``<blueprint>.<name>`` when the type's blueprint routes it (``create``, ``edit``…)."""
    full = f"{content_type.blueprint}.{name}"
    return full if full in app.view_functions else None


def publish(site, item):
    """A hook's last step: ``item`` tagged with the site's tag, published, added and flushed."""
    item.add_tag(site.tag)
    item.publish()
    site.db.session.add(item)
    site.db.session.flush()
    return item
