"""Every `kgedit …` command that a hint, a help text or the README names is a real command of the CLI.

Hints once sent users to `kgedit corpus build`, which never existed. This reads every mention of
`kgedit WORD [WORD]` in the library, the CLI and the README, and checks it against the typer app.
"""

from __future__ import annotations

import re

import pytest
import typer

from cli.app import app
from tests.conftest import REPO

ROOT = typer.main.get_command(app)
MENTION = re.compile(r"\bkgedit((?: [a-z][a-z0-9_]*(?:-[a-z0-9]+)*)+)")
ARTICLE = re.compile(r"\b(?:a|an|the|of)\s+$", re.I)    # "a kgedit world database" is prose
CODE = re.compile(r"`([^`\n]+)`|```bash\n(.*?)```", re.S)


def _mentions() -> list[tuple[str, list[str]]]:
    """(where, words after 'kgedit') for every mention worth checking.

    In Python files a mention counts when its first word is a command and no article comes before it
    (prose such as "kgedit does not" or "a kgedit world database" is not a command line); in the README
    every mention inside code (backticks, bash blocks) counts. Naming a group (`kgedit corpus`) is fine.
    """
    found = []
    for path in sorted([*(REPO / "kgedit").rglob("*.py"), *(REPO / "cli").rglob("*.py")]):
        text = path.read_text(encoding="utf-8")
        for match in MENTION.finditer(text):
            words = match.group(1).split()
            if words[0] in ROOT.commands and not ARTICLE.search(text[max(0, match.start() - 8):match.start()]):
                found.append((f"{path.relative_to(REPO)}: kgedit{match.group(1)}", words))
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in CODE.finditer(readme):
        text = code.group(1) or code.group(2)
        if text.startswith(("Error:", "Hint:", "Warning:")):
            continue                     # a quoted message, not a command line
        for match in MENTION.finditer(text):
            found.append((f"README.md: kgedit{match.group(1)}", match.group(1).split()))
    return found


MENTIONS = _mentions()


def test_the_scan_finds_hints_and_readme_lines():
    assert len(MENTIONS) > 40
    assert any(where.startswith("README.md") for where, _ in MENTIONS)
    assert any(where.startswith("kgedit/") for where, _ in MENTIONS)


@pytest.mark.parametrize("where, words", MENTIONS, ids=[where for where, _ in MENTIONS])
def test_named_command_exists(where, words):
    command = ROOT
    for word in words:
        if not _is_group(command):
            break                        # the rest are arguments of a command
        assert word in command.commands, f"{where}: no command {word!r}; there are {sorted(command.commands)}"
        command = command.commands[word]


def _is_group(command) -> bool:
    return hasattr(command, "commands")     # typer ships its own click: test the shape, not the class
