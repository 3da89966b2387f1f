"""Every user-facing string is translated into Simplified Chinese, and the catalogue is
complete: no string in the code is missing from it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ("manage.py", "templates", *sorted(path.parent.name for path in ROOT.glob("*/apps.py")))
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def msgids(po_text: str) -> set[str]:
    """The msgids of a .po file, with continuation lines joined (the header excluded)."""
    found, current, collecting = set(), None, False
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current, collecting = _STRING.search(line).group(1), True
        elif collecting and line.startswith('"'):
            current += _STRING.search(line).group(1)
        else:
            if collecting and current:
                found.add(current)
            collecting = False
    if collecting and current:
        found.add(current)
    return found


def test_every_message_is_translated_into_chinese():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    )
    statistics = result.stderr
    assert "fuzzy" not in statistics and "untranslated" not in statistics, statistics


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    for name in {*SOURCES, "opsdesk"}:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "OPSDESK_VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(tmp_path),
        },
    )
    if result.returncode != 0:
        pytest.fail(result.stderr)
    fresh = msgids((tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").read_text())
    committed = msgids(CATALOGUE.read_text())
    assert fresh - committed == set(), "run: manage.py makemessages -l zh_Hans, then translate"
    assert committed - fresh == set(), "the catalogue holds strings the code no longer uses"
