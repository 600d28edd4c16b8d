"""Fill the English catalogue: the msgids are English, so each translation is its msgid
(singular and plural). Run by `make catalogs` after the update; French is translated by hand."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(sys.argv[1] if len(sys.argv) > 1 else "csti/translations/en/LC_MESSAGES/messages.po")
with path.open("rb") as f:
    catalog = read_po(f, locale="en")
filled = 0
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, (tuple, list)):
        wanted = tuple(message.id)
    else:
        wanted = message.id
    if message.string != wanted:
        message.string = wanted
        filled += 1
    message.flags.discard("fuzzy")
with path.open("wb") as f:
    write_po(f, catalog, omit_header=True, sort_output=True, width=100)
print(f"{path}: {filled} entries filled")
