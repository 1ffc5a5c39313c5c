#!/usr/bin/env python3
"""Fill empty English msgstr entries in locale/en from a TSV of `中文<TAB>English`.

Usage: scripts/po_fill.py translations.tsv   (then `make messages` compiles)
Only single-line msgids are filled; existing translations are left alone.
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po"


def main(tsv):
    table = {}
    for line in Path(tsv).read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith("#"):
            zh, en = line.split("\t", 1)
            table[zh] = en
    text = PO.read_text(encoding="utf-8")

    def fill(match):
        msgid, msgstr = match.group(1), match.group(2)
        if msgstr or msgid not in table:
            return match.group(0)
        en = table[msgid].replace("\\", "\\\\").replace('"', '\\"')
        return f'msgid "{msgid}"\nmsgstr "{en}"'

    text = re.sub(r'msgid "((?:[^"\\]|\\.)*)"\nmsgstr "((?:[^"\\]|\\.)*)"', fill, text)
    PO.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
