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
def _index():
    by_postcode: dict[str, list[Commune]] = {}
    departments: dict[str, str] = {}
    regions: dict[str, str] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            commune = Commune(row["insee"], row["name"], row["department"], row["department_name"],
                              row["region"], row["region_name"], int(row["population"] or 0))
            departments[commune.department] = commune.department_name
            regions[commune.region] = commune.region_name
            for postcode in row["postcodes"].split():
                by_postcode.setdefault(postcode, []).append(commune)
    return by_postcode, departments, regions


def communes_for_postcode(postcode: str) -> list[Commune]:
    return list(_index()[0].get((postcode or "").strip(), []))


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


def departments() -> dict[str, str]:
    """{code: name}, sorted by code."""
    return dict(sorted(_index()[1].items()))


def department_name(code: str) -> str:
    return _index()[1].get(code, code)


def regions() -> dict[str, str]:
    return dict(sorted(_index()[2].items()))
