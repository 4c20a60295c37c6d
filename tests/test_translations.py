"""The Simplified Chinese catalogue is complete and is what the interface shows by default."""

import re
from pathlib import Path

import pytest
from asgiref.local import Local
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

from consultations.models import FundingSource, Meeting, MeetingFormat
from organizations.models import AreaLevel, OrganizationKind, PersonCategory

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# %(name)s, %(n)d, %s, %d, %%: what Python's %-formatting reads in a python-format string.
# Flags and width may differ in a translation ("%(month)02d" → "%(month)d月"), as msgfmt
# allows; the name and the conversion may not.
PLACEHOLDER = re.compile(r"%(\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$')
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path):
    """Entries of a .po file as dicts: 'flags' (a set) plus msgid, msgstr, msgstr[0], ..."""
    entries = []
    entry, field = None, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "obsolete": False}
            entries.append(entry)
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := FIELD.match(line):
            field = match.group(1)
            entry[field] = _unquote(match.group(2))
        elif line.startswith('"') and line.endswith('"') and field:
            entry[field] += _unquote(line[1:-1])
        else:
            raise AssertionError(f"{path}: cannot parse line {raw!r}")
    return entries


def _translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def catalogue():
    entries = parse_po(PO)
    header = next(e for e in entries if e.get("msgid") == "")
    messages = [e for e in entries if e.get("msgid")]
    return header, messages


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """Compile the .po if its .mo is missing or older (`make test` compiles it beforehand)."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["zh_Hans"], ignore_patterns=[".venv"], verbosity=0)
        # Forget catalogues already loaded in this process, as Django does when LOCALE_PATHS
        # changes.
        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()


def test_header_declares_language_charset_and_plural_forms(catalogue):
    header, _ = catalogue
    text = header["msgstr"]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "fuzzy" not in header["flags"]


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    _, messages = catalogue
    assert len(messages) > 200
    untranslated = [e["msgid"] for e in messages if not all(s.strip() for s in _translations(e))]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in messages if e["obsolete"]]
    assert untranslated == []
    assert fuzzy == []
    assert obsolete == []


def test_plural_messages_have_exactly_one_form(catalogue):
    _, messages = catalogue
    for entry in messages:
        if "msgid_plural" in entry:
            assert sorted(k for k in entry if k.startswith("msgstr")) == ["msgstr[0]"]


def test_python_format_placeholders_are_kept(catalogue):
    _, messages = catalogue
    for entry in (e for e in messages if "python-format" in e["flags"]):
        # Chinese has one plural form, so msgstr[0] serves every count and carries the plural's
        # placeholders (msgfmt insists), even where the singular has none ("one change").
        expected = sorted(PLACEHOLDER.findall(entry.get("msgid_plural", entry["msgid"])))
        for translated in _translations(entry):
            assert sorted(PLACEHOLDER.findall(translated)) == expected, entry["msgid"]


@pytest.fixture
def no_language_activated():
    """Nothing activated, so Django falls back to settings.LANGUAGE_CODE."""
    previous = getattr(trans_real._active, "value", None)
    translation.deactivate()
    yield
    if previous is not None:
        trans_real._active.value = previous


@pytest.mark.usefixtures("no_language_activated")
def test_interface_is_chinese_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert str(Meeting._meta.verbose_name) == "会议"
    assert str(MeetingFormat.COURTYARD.label) == "屋场会"
    assert str(MeetingFormat.EVENING_TALK.label) == "村湾夜话"
    assert str(FundingSource.REWARD_SUBSIDY.label) == "以奖代补"
    assert str(PersonCategory.VILLAGE_WORTHY.label) == "乡贤"
    assert str(OrganizationKind.INTELLECTUALS_BRANCH.label) == "知联会分会"
    assert str(AreaLevel.HAMLET.label) == "湾（组）"


def test_english_is_available():
    with translation.override("en"):
        assert str(Meeting._meta.verbose_name) == "meeting"
        assert str(MeetingFormat.COURTYARD.label) == "Courtyard meeting"
        assert str(FundingSource.REWARD_SUBSIDY.label) == "Reward instead of subsidy"
        assert str(AreaLevel.HAMLET.label) == "Hamlet"
