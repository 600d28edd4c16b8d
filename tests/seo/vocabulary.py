"""The schema.org vocabulary (tests/data/schemaorg-current-https.jsonld.gz, release 12.0; see
tests/data/README.md) and a check of JSON-LD against it: every ``@type`` is a schema.org class,
every property exists, is not superseded, and applies to the node's type (its domain includes the
type or one of its super-classes); an enumeration value (``https://schema.org/EventScheduled``)
is a member of the enumeration the property expects."""
from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

FILE = Path(__file__).parent.parent / "data" / "schemaorg-current-https.jsonld.gz"
PREFIX = "https://schema.org/"


def _ids(value) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v["@id"].removeprefix("schema:") for v in values if isinstance(v, dict) and "@id" in v]


class Vocabulary:
    def __init__(self, graph):
        self.classes: dict[str, list[str]] = {}  # class -> direct super-classes
        self.properties: dict[str, dict] = {}  # property -> {"domains", "ranges", "superseded"}
        self.members: dict[str, set[str]] = {}  # enumeration member -> its types
        self.superseded: set[str] = set()
        for node in graph:
            name = node["@id"].removeprefix("schema:")
            if not node["@id"].startswith("schema:"):
                continue
            types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            if node.get("schema:supersededBy"):
                self.superseded.add(name)
            if "rdfs:Class" in types:
                self.classes[name] = _ids(node.get("rdfs:subClassOf"))
            if "rdf:Property" in types:
                self.properties[name] = {"domains": set(_ids(node.get("schema:domainIncludes"))),
                                         "ranges": set(_ids(node.get("schema:rangeIncludes")))}
            others = {t.removeprefix("schema:") for t in types if t.startswith("schema:")}
            if others:
                self.members[name] = others

    @cache  # noqa: B019 - one vocabulary per test session
    def ancestors(self, name: str) -> frozenset[str]:
        """``name`` and all its super-classes."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.classes.get(current, ()))
        return frozenset(seen)

    def problems(self, node, where: str = "$") -> list[str]:
        """What in ``node`` (a JSON-LD dict, list or value) is not schema.org."""
        found = []
        if isinstance(node, list):
            for i, value in enumerate(node):
                found += self.problems(value, f"{where}[{i}]")
            return found
        if not isinstance(node, dict):
            return found
        types = node.get("@type")
        types = types if isinstance(types, list) else [types]
        if node.get("@context") not in (None, "https://schema.org"):
            found.append(f"{where}: @context {node['@context']!r}")
        for name in types:
            if name not in self.classes:
                found.append(f"{where}: @type {name!r} is not a schema.org class")
            elif name in self.superseded:
                found.append(f"{where}: @type {name!r} is superseded")
        ancestors = set().union(*(self.ancestors(t) for t in types if t in self.classes)) if types else set()
        for key, value in node.items():
            if key.startswith("@"):
                continue
            spec = self.properties.get(key)
            if spec is None:
                found.append(f"{where}.{key}: no such property")
                continue
            if key in self.superseded:
                found.append(f"{where}.{key}: superseded")
            if not spec["domains"] & ancestors:
                found.append(f"{where}.{key}: not a property of {types} (domains {sorted(spec['domains'])})")
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.startswith(PREFIX):
                    member = item.removeprefix(PREFIX)
                    expected = {r for r in spec["ranges"] if r in self.classes
                                and "Enumeration" in self.ancestors(r)}
                    if expected and not (self.members.get(member, set()) & expected):
                        found.append(f"{where}.{key}: {member!r} is not one of {sorted(expected)}")
            found += self.problems(value, f"{where}.{key}")
        return found


@cache
def vocabulary() -> Vocabulary:
    with gzip.open(FILE, "rt", encoding="utf-8") as source:
        return Vocabulary(json.load(source)["@graph"])
