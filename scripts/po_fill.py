#!/usr/bin/env python3
"""Fill the English catalogues in locale/en from a TSV of `中文<TAB>English`.

Usage:
  scripts/po_fill.py locale/en_glossary.tsv     fill empty and fuzzy msgstrs
  scripts/po_fill.py --force FILE.tsv           also overwrite translated ones
  scripts/po_fill.py --missing                  list what is still untranslated
  scripts/po_fill.py --export FILE.tsv          write every translation as TSV

The usual round: `make messages` (extract), `scripts/po_fill.py
locale/en_glossary.tsv`, translate what `--missing` lists into the glossary,
fill again, `make messages` (compile). Needs polib (requirements-dev.txt).

TSV lines: `msgid<TAB>msgstr`, or `msgid<TAB>singular<TAB>plural` for an
ngettext entry. Inside a field, `\\n`, `\\t` and `\\\\` stand for a newline, a
tab and a backslash; lines starting with `#` are comments. A msgid written
`[ctx:CONTEXT]msgid` fills only the entry with that msgctxt; a plain msgid
fills every entry with that msgid that has no more specific line. A filled
fuzzy entry loses its fuzzy flag. Exit status 1 when entries are left
untranslated.
"""

import argparse
import sys
from pathlib import Path

try:
    import polib
except ImportError:  # pragma: no cover - told to the person running it
    sys.exit("po_fill.py needs polib: .venv/bin/pip install -r requirements-dev.txt")

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "locale/en/LC_MESSAGES/django.po",
    ROOT / "locale/en/LC_MESSAGES/djangojs.po",
]
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def unescape(field):
    out, chars = [], iter(field)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(ESCAPES.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def read_table(path):
    """Return {msgid: [msgstr, ...]} from the TSV at ``path``."""
    table = {}
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [unescape(f) for f in line.split("\t")]
        if len(fields) < 2 or not fields[1]:
            sys.exit(f"{path}:{number}: expected 中文<TAB>English")
        table[fields[0]] = fields[1:]
    return table


def key(entry):
    if entry.msgctxt:
        return f"[ctx:{entry.msgctxt}]{entry.msgid}"
    return entry.msgid


def lookup(table, entry):
    return table.get(key(entry)) or table.get(entry.msgid)


def pending(entry):
    return not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)


def fill(po, table, force=False):
    filled = 0
    for entry in po:
        english = lookup(table, entry)
        if entry.obsolete or english is None:
            continue
        if not force and not pending(entry):
            continue
        if entry.msgid_plural:
            singular, plural = english[0], english[-1]
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = english[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
        filled += 1
    po.metadata["Language"] = "en"
    po.metadata_is_fuzzy = False
    return filled


def export(paths, target):
    lines, seen = [], set()
    for path in paths:
        for entry in polib.pofile(str(path)):
            if pending(entry) or entry.obsolete or key(entry) in seen:
                continue
            seen.add(key(entry))
            if entry.msgid_plural:
                english = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
            else:
                english = [entry.msgstr]
            lines.append("\t".join(escape(f) for f in [key(entry), *english]))
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} translations written to {target}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tsv", nargs="?", help="TSV of 中文<TAB>English to fill in")
    parser.add_argument("--force", action="store_true", help="overwrite too")
    parser.add_argument("--missing", action="store_true", help="list untranslated")
    parser.add_argument("--export", metavar="TSV", help="write translations as TSV")
    args = parser.parse_args(argv)
    paths = [p for p in CATALOGUES if p.exists()]
    if args.export:
        export(paths, args.export)
        return 0
    table = read_table(args.tsv) if args.tsv else {}
    left = 0
    for path in paths:
        po = polib.pofile(str(path))
        if table:
            filled = fill(po, table, force=args.force)
            po.save()
            print(f"{path.relative_to(ROOT)}: {filled} filled")
        missing = [e for e in po if pending(e)]
        left += len(missing)
        if args.missing:
            for entry in missing:
                fuzzy = "fuzzy" if "fuzzy" in entry.flags else ""
                print("\t".join([escape(key(entry)), fuzzy, escape(entry.msgstr)]))
    if left:
        print(f"{left} entries still untranslated or fuzzy", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
