"""Every kind of notification the code creates has its sentence and fits the column that stores it
(SQLite does not check a VARCHAR's length, PostgreSQL refuses a longer value: "registration_withdrawn"
once failed only there)."""
import re
from pathlib import Path

from csti.blueprints.mailprefs.operations import SENTENCES
from csti.models import Notification

SOURCE = Path(__file__).resolve().parents[2] / "csti"


def created_kinds():
    """The literal kinds given to Notification(...) and the kinds of the mappings that feed it."""
    kinds = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"Notification\((.{0,300}?)\)", text, re.S):
            kinds.update(re.findall(r'kind="([a-z_]+)"', call.group(1)))
            kinds.update(re.findall(r'"([a-z_]+)" if ', call.group(1)))
            kinds.update(re.findall(r' else "([a-z_]+)"', call.group(1)))
    return kinds


def test_every_kind_fits_the_column():
    length = Notification.__table__.c.kind.type.length
    too_long = sorted(kind for kind in set(SENTENCES) | created_kinds() if len(kind) > length)
    assert not too_long, f"longer than notification.kind ({length}): {too_long}"


def test_every_created_kind_has_its_sentence():
    kinds = created_kinds()
    assert {"approved", "rejected", "registration_withdrawn", "help"} <= kinds  # the scan finds them
    assert not kinds - set(SENTENCES), f"no sentence for {sorted(kinds - set(SENTENCES))}"
