"""The repository explains itself: what the code cites is written in docs/, and every page it
cites is there.

The programme's brief and the engineering guide live outside the repository, so a pointer to
them is a pointer nobody with only a checkout can follow. The facts the code relies on are in
docs/ in our own words (docs/programme.md, docs/measures.md, docs/disclosure.md,
docs/architecture.md); this keeps it that way.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The three files outside the repository (spelt as a pattern, so this file cites none of them).
OUTSIDE = re.compile(r"\b(?:PRODUCT|ENGINEERING|RECIPES)\.md\b")
#: Folders that hold no files of ours (used only where git is not available).
SKIP = {".git", ".venv", "node_modules", "build", "var", "__pycache__"}
CITED_PAGE = re.compile(r"\bdocs/([A-Za-z0-9_.-]+\.md)\b")
#: A Markdown link to a relative .md file, as the pages in docs/ link to each other.
RELATIVE_LINK = re.compile(r"\]\((?!https?:)([^)#\s]+\.md)(?:#[^)]*)?\)")


def _tracked_files() -> list[Path]:
    """Every file git tracks; a copy without git (a source archive) is walked instead."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        files = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP]
            files += [Path(folder, name) for name in names]
        return files
    return [ROOT / name for name in out.split("\0") if name]


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="ignore")
    except (FileNotFoundError, IsADirectoryError):
        return ""  # listed by git but deleted in the working copy, or a submodule


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_nothing_outside_docs_cites_a_file_outside_the_repository() -> None:
    citing = [
        f"{_relative(path)}:{number}: {line.strip()}"
        for path in _tracked_files()
        if not _relative(path).startswith("docs/")
        for number, line in enumerate(_text(path).splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert citing == [], (
        "These lines cite a file outside the repository. Write what they rely on in docs/ "
        "and cite that page instead:\n" + "\n".join(citing)
    )


def test_every_docs_page_cited_by_code_or_the_readme_exists() -> None:
    missing = [
        f"{_relative(path)}:{number}: docs/{page}"
        for path in _tracked_files()
        for number, line in enumerate(_text(path).splitlines(), start=1)
        for page in CITED_PAGE.findall(line)
        if not (ROOT / "docs" / page).is_file()
    ]
    assert missing == [], "These lines cite a page docs/ does not have:\n" + "\n".join(missing)


def test_links_between_docs_pages_lead_somewhere() -> None:
    broken = [
        f"{_relative(page)}: {target}"
        for page in sorted((ROOT / "docs").glob("*.md"))
        for target in RELATIVE_LINK.findall(_text(page))
        if not (page.parent / target).resolve().is_file()
    ]
    assert broken == [], "These links in docs/ lead nowhere:\n" + "\n".join(broken)


def test_the_readme_links_every_docs_page() -> None:
    readme = _text(ROOT / "README.md")
    unlinked = [
        page.name
        for page in sorted((ROOT / "docs").glob("*.md"))
        if f"docs/{page.name}" not in readme
    ]
    assert unlinked == [], f"The README does not mention: {', '.join(unlinked)}"
