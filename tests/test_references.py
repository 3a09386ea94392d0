"""Docstrings, comments and docs cite sources a reader of the repository can open.

The project's design notes, calibration table and issue tracker are not part of the
repository; a citation of them ("TARGETS P4", "DESIGN.md section 6", "issue 14") is a dead end
for a reader. Cite the literature (author year journal) or a file in the repository instead.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(
    r"\b(?:DESIGN|TARGETS|STYLE)(?:\.md|\s+section)\b"  # the project's notes
    r"|\.\./shared|\bshared/calibration"  # the steering folder beside the repository
    r"|\bTARGETS\s+[A-Z]\d"  # ids of the calibration table
    r"|\bissues?\s+\d+",  # the issue tracker
    re.IGNORECASE,
)
SUFFIXES = {".py", ".md", ".toml", ".ipynb", ".txt", ".cfg"}


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
        ).stdout.split()
        files = [ROOT / name for name in out]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the folders
        files = [p for p in ROOT.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts]
    return [p for p in files if p.suffix in SUFFIXES and p.is_file()]


def test_no_reference_to_documents_outside_the_repository():
    found = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:90]}")
    assert not found, "cite the literature or an in-repo file instead:\n" + "\n".join(found)
