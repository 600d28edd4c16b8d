"""French communes, postcodes, departments and regions (csti/data/communes-fr.csv, Etalab).

Loaded once per process on first use (about 35 000 communes, a few MB), so the pages that
never validate an address do not pay for it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold

DATA = Path(__file__).parent / "data" / "communes-fr.csv"


@dataclass(frozen=True, slots=True)
class Commune:
    insee: str
    name: str
    department: str
    department_name: str
    region: str
    region_name: str
    population: int


@lru_cache(maxsize=1)
def _index() -> dict[str, list[Commune]]:
    by_postcode: dict[str, list[Commune]] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            commune = Commune(row["insee"], row["name"], row["department"], row["department_name"],
                              row["region"], row["region_name"], int(row["population"] or 0))
            for postcode in row["postcodes"].split():
                by_postcode.setdefault(postcode, []).append(commune)
    return by_postcode


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
        wanted = fold(name).replace("-", " ").replace("'", " ").split()
        for commune in communes:
            if fold(commune.name).replace("-", " ").replace("'", " ").split() == wanted:
                return commune
    return max(communes, key=lambda c: c.population)


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
