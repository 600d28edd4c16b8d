"""French communes, postcodes, departments and regions (csti/data/communes-fr.csv, Etalab).

Loaded once per process on first use (about 35 000 communes, a few MB), so the pages that
never validate an address do not pay for it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...text import fold

DATA = Path(__file__).resolve().parents[2] / "data" / "communes-fr.csv"


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    department: str
    department_name: str
    region: str
    region_name: str
    population: int
    latitude: float | None = None  # the town hall (or the boundary's centroid): see data/README.md
    longitude: float | None = None


def _float(text: str) -> float | None:
    return float(text) if text else None


@lru_cache(maxsize=1)
def _index() -> dict[str, list[Commune]]:
    by_postcode: dict[str, list[Commune]] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            commune = Commune(row["insee"], row["name"], row["department"], row["department_name"],
                              row["region"], row["region_name"], int(row["population"] or 0),
                              _float(row["latitude"]), _float(row["longitude"]))
            for postcode in row["postcodes"].split():
                by_postcode.setdefault(postcode, []).append(commune)
    return by_postcode


@lru_cache(maxsize=1)
def _by_department() -> dict[str, list[tuple[str, Commune]]]:
    """{department: [(postcode, commune)]}: for addresses whose postcode is a CEDEX code."""
    found: dict[str, list[tuple[str, Commune]]] = {}
    for postcode, communes in _index().items():
        for commune in communes:
            found.setdefault(commune.department, []).append((postcode, commune))
    return found


def department_of_postcode(postcode: str) -> str:
    """The department a (possibly CEDEX) postcode belongs to: 31077 → 31, 20090 → 2A,
    20600 → 2B, 97110 → 971."""
    postcode = (postcode or "").strip()
    if len(postcode) != 5 or not postcode.isdigit():
        return ""
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        codes = {c.department for c in communes_for_postcode(postcode)}
        if len(codes) == 1:
            return codes.pop()
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


def _words(name: str) -> list[str]:
    return fold(name).replace("-", " ").replace("'", " ").split()


def find_in_department(postcode: str, name: str) -> tuple[str, Commune] | None:
    """(regular postcode, commune) for a postcode missing from the communes data (a CEDEX code):
    the commune called ``name`` in the postcode's department, with its postcode nearest to the
    given one; None when no commune of that name is there."""
    wanted = _words(name)
    if not wanted:
        return None
    candidates = [(pc, c) for pc, c in _by_department().get(department_of_postcode(postcode), [])
                  if _words(c.name) == wanted]
    if not candidates:
        return None
    number = int(postcode) if postcode.isdigit() else 0
    return min(candidates, key=lambda item: (abs(int(item[0]) - number), -item[1].population))


def communes_for_postcode(postcode: str) -> list[Commune]:
    return list(_index().get((postcode or "").strip(), []))


def postcode_exists(postcode: str) -> bool:
    return bool(communes_for_postcode(postcode))


def find_commune(postcode: str, name: str | None = None) -> Commune | None:
    """The commune of ``postcode`` named ``name`` (accent/case-insensitive), or the most
    populated one of that postcode when no name is given or none matches."""
    communes = communes_for_postcode(postcode)
    if not communes:
        return None
    if name:
        wanted = _words(name)
        for commune in communes:
            if _words(commune.name) == wanted:
                return commune
    return max(communes, key=lambda c: c.population)


def commune_matches(postcode: str, name: str) -> bool:
    """Whether a commune called ``name`` (accent/case-insensitive) has ``postcode``, or, for a
    CEDEX code, is in its department."""
    wanted = _words(name)
    return (any(_words(c.name) == wanted for c in communes_for_postcode(postcode))
            or find_in_department(postcode, name) is not None)


@lru_cache(maxsize=1)
def _names():
    """({department code: name}, {region code: name}) sorted by code — without the communes: the
    directory's filters need these few names, not 35 000 communes in every worker's memory."""
    departments: dict[str, str] = {}
    regions: dict[str, str] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            departments[row["department"]] = row["department_name"]
            regions[row["region"]] = row["region_name"]
    return dict(sorted(departments.items())), dict(sorted(regions.items()))


def departments() -> dict[str, str]:
    """{code: name}, sorted by code."""
    return dict(_names()[0])


def department_name(code: str) -> str:
    return _names()[0].get(code, code)


def regions() -> dict[str, str]:
    return dict(_names()[1])
