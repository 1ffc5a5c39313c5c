"""English is the second language: every UI string has English, and the main
pages in English show no Chinese beyond the data itself (names of places,
people and organisations stay as they were entered)."""

import ast
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import get_resolver
from django.utils import translation

from tests.conftest import login
from tests.meetings.conftest import meetings_next_month, mworld  # noqa: F401

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = sorted((LOCALE / "en/LC_MESSAGES").glob("*.po"))
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|%%|\{\w*\}")


def _pending(po):
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]


def test_the_english_catalogue_translates_every_string():
    assert CATALOGUES, "locale/en/LC_MESSAGES/django.po is missing"
    for path in CATALOGUES:
        untranslated = _pending(polib.pofile(str(path)))
        assert not untranslated, f"{path.name}: {len(untranslated)} untranslated " + (
            "; ".join(untranslated[:20])
        )


def test_english_keeps_every_placeholder_of_the_chinese():
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)).translated_entries():
            wanted = sorted(PLACEHOLDER.findall(entry.msgid))
            if entry.msgid_plural:
                # English singular may spell the count out ("one"): compare sets
                for text in entry.msgstr_plural.values():
                    assert set(PLACEHOLDER.findall(text)) <= set(wanted), entry.msgid
                assert sorted(PLACEHOLDER.findall(entry.msgstr_plural[1])) == wanted
            else:
                got = sorted(PLACEHOLDER.findall(entry.msgstr))
                assert got == wanted, f"{entry.msgid!r} -> {entry.msgstr!r}"


#: Chinese that English may quote: the Excel import template keeps its cell
#: values (男/女, 是/否), since imports read them whatever the language.
QUOTED_CHINESE = re.compile("“[男女是否]”")


def test_english_has_no_chinese_left_in_it():
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)).translated_entries():
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            leftover = [t for t in texts if CJK.search(QUOTED_CHINESE.sub("", t))]
            assert not leftover, f"{entry.msgid!r} -> {leftover}"


def test_the_compiled_catalogue_matches_the_po_file():
    for path in CATALOGUES:
        po = polib.pofile(str(path))
        mo = polib.mofile(str(path.with_suffix(".mo")))
        compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
        for entry in po.translated_entries():
            english = entry.msgstr or {
                int(k): v for k, v in entry.msgstr_plural.items()
            }
            stored = compiled.get((entry.msgctxt, entry.msgid))
            if isinstance(stored, dict):
                stored = {int(k): v for k, v in stored.items()}
            assert stored == english, (
                f"{path.name} is stale for {entry.msgid!r}: run make messages"
            )


def test_every_string_in_the_code_is_in_the_english_catalogue(tmp_path, monkeypatch):
    """Extract the strings afresh (as `make messages` does) into a copy of the
    catalogue: nothing may come out new, fuzzy or untranslated."""
    shutil.copytree(LOCALE / "en", tmp_path / "en")
    monkeypatch.chdir(settings.BASE_DIR)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command(
            "makemessages",
            locale=["en"],
            ignore_patterns=[".venv", "var", "tests", "bench", "node_modules"],
            no_obsolete=True,
            verbosity=0,
        )
    fresh = polib.pofile(str(tmp_path / "en/LC_MESSAGES/django.po"))
    missing = _pending(fresh)
    assert not missing, (
        f"{len(missing)} strings lack English; run `make messages`, add them to "
        "locale/en_glossary.tsv and `scripts/po_fill.py locale/en_glossary.tsv`: "
        + "; ".join(missing[:20])
    )


def _module_level_translations(path):
    """Yield (line, code) of translations that run when ``path`` is imported:
    an eager gettext call, or a lazy one formatted with ``%`` (which turns it
    into a plain string), outside any function."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    eager, lazy = set(), set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "django.utils.translation"
        ):
            for alias in node.names:
                names = lazy if alias.name.endswith("_lazy") else eager
                names.add(alias.asname or alias.name)

    def call_of(node, names):
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in names
        )

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            formatted = isinstance(child, ast.BinOp) and call_of(child.left, lazy)
            if call_of(child, eager) or formatted:
                yield child.lineno, ast.get_source_segment(source, child)
            yield from walk(child)

    yield from walk(tree)


SKIPPED_DIRS = {".venv", "tests", "bench", "var", "scripts", "node_modules"}


def test_no_string_is_translated_once_at_import_time():
    """A module-level ``gettext(...)`` or ``gettext_lazy(...) % x`` freezes
    the language of whoever imported the module first."""
    root = Path(settings.BASE_DIR)
    frozen = [
        f"{path.relative_to(root)}:{line}: {code}"
        for path in sorted(root.rglob("*.py"))
        if path.relative_to(root).parts[0] not in SKIPPED_DIRS
        and "migrations" not in path.parts
        for line, code in _module_level_translations(path)
    ]
    assert not frozen, "use gettext_lazy / format_lazy: " + "; ".join(frozen)


class _VisibleText(HTMLParser):
    """Collect the text a person sees or hears: text nodes outside scripts and
    styles, and the title/aria-label/placeholder/alt attributes."""

    SKIP = {"script", "style", "template"}
    ATTRS = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts = []
        self._skipping = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # The language switch names Chinese in Chinese, as such switches do.
        native = tag == "option" and (attrs.get("lang") or "").startswith("zh")
        if tag in self.SKIP or native:
            self._skipping.append(tag)
        for name in self.ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def _chinese_chrome(html, data):
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, "")
    return sorted(set(CJK.findall(text)))


#: Pages of a street staff member: every app's index and main lists.
STREET_STAFF_PAGES = [
    "/",
    "/orgs/",
    "/orgs/units/",
    "/orgs/units/new/",
    "/orgs/people/",
    "/orgs/people/new/",
    "/orgs/committees/",
    "/orgs/import/",
    "/grids/",
    "/grids/map/",
    "/grids/gaps/",
    "/grids/cases/",
    "/grids/cases/new/",
    "/grids/visits/",
    "/meetings/",
    "/meetings/items/",
    "/meetings/campaigns/",
    "/volunteers/",
    "/volunteers/manage/activities/",
    "/volunteers/manage/activities/new/",
    "/volunteers/manage/volunteers/",
    "/volunteers/manage/ledger/",
    "/volunteers/manage/teams/",
    "/volunteers/manage/events/",
    "/volunteers/manage/rules/",
    "/volunteers/manage/in-service/",
    "/evaluations/",
    "/evaluations/results/",
    "/evaluations/policy/",
    "/evaluations/ratings/",
    "/evaluations/appeals/",
    "/evaluations/notices/",
    "/evaluations/annual/",
    "/evaluations/commitments/",
    "/support/",
    "/support/workers/",
    "/support/workers/new/",
    "/support/workers/compliance/",
    "/support/trainings/",
    "/support/social-orgs/",
    "/support/funds/",
    "/support/funds/spendings/",
    "/support/special-fund/",
    "/support/notice/",
    "/accounts/security/",
    "/accounts/inbox/",
]


@pytest.fixture
def english_staff(world):
    # Import every page's module in Chinese first, as a server does at start,
    # so a string translated at import time shows up as Chinese below.
    with translation.override("zh-hans"):
        get_resolver().url_patterns  # noqa: B018 (imports the app URLconfs)
    client = login(world.street_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    # The last English request leaves English active in this thread: the
    # tests after it call services directly and expect Chinese.
    translation.activate(settings.LANGUAGE_CODE)


def _world_data(world):
    """The names the test data put in the database: they stay Chinese."""
    from grids.models import Cell
    from orgs.models import OrgNode, Person

    names = set(OrgNode.objects.values_list("name", flat=True))
    names |= set(Cell.objects.values_list("name", flat=True))
    names |= set(Person.objects.values_list("name", flat=True))
    return names


def test_street_staff_pages_in_english_show_no_chinese_chrome(world, english_staff):
    # given a street staff member who chose English
    data = _world_data(world)
    problems = {}
    # when they open the main page of every app
    for path in STREET_STAFF_PAGES:
        response = english_staff.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert '<html lang="en">' in html, path
        # then navigation, headings, buttons, labels and table headers are
        # English: only the data keeps its Chinese names
        leftover = _chinese_chrome(html, data)
        if leftover:
            problems[path] = leftover
    assert not problems, problems


def test_english_navigation_and_headings_read_in_english(world, english_staff):
    html = english_staff.get("/").content.decode()
    for label in ("Home", "Organisations", "Grid", "Joint meetings", "Evaluations"):
        assert f">{label}</a>" in html
    assert "Street staff workspace" in html
    html = english_staff.get("/meetings/").content.decode()
    assert "Meeting calendar" in html and "Mon" in html


def test_chinese_stays_the_default_for_the_same_pages(world):
    html = login(world.street_staff).get("/meetings/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "会议日历" in html and "周一" in html


def test_detail_pages_in_english_show_no_chinese_chrome(
    mworld,  # noqa: F811 (fixtures of tests/meetings/conftest.py)
    meetings_next_month,  # noqa: F811
    english_staff,
):
    # given committees with seats and next month's meetings scheduled
    w, meeting = mworld, meetings_next_month.a
    pages = [
        f"/meetings/{meeting.pk}/",
        f"/meetings/committees/{w.party_a.pk}/rotation/",
        f"/meetings/committees/{w.party_a.pk}/channel/",
        f"/orgs/nodes/{w.a.pk}/",
        f"/orgs/nodes/{w.party_org_a.pk}/",
        f"/orgs/units/{w.unit_a.pk}/",
        f"/orgs/committees/{w.party_a.pk}/",
        f"/orgs/people/{w.p_a2.pk}/",
        f"/grids/cells/{w.cell_a.pk}/",
        f"/evaluations/units/{w.unit_a.pk}/history/",
    ]
    data = _world_data(w) | {meeting.place, w.party_a.name, w.big_working.name}
    problems = {}
    # when a street staff member who chose English opens them
    for path in pages:
        response = english_staff.get(path)
        assert response.status_code == 200, path
        leftover = _chinese_chrome(response.content.decode(), data)
        if leftover:
            problems[path] = leftover
    # then only the data is Chinese
    assert not problems, problems
