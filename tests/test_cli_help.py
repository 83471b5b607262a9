"""`--help` of every `sentinel` command reads like documentation: named metavars, no machine paths.

Typer's plain help prints `<str>`/`<path>`/`<bool>` for an option without a metavar and would
print a default computed on this machine (an absolute path, the CPU count); both are useless to a
reader. Arguments keep their type beside the name (typer always shows it), so only option rows and
the usage line are checked for placeholders.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import sentinel.cli as cli
from sentinel.config import PROJECT_ROOT

PLACEHOLDER = re.compile(r"<(?:str|path|bool|int|float|text|list\[\w+\]|int range|float range)>")


def _commands() -> list[list[str]]:
    cli._register()
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name in getattr(command, "list_commands", lambda _ctx: [])(None):
            walk(command.commands[name], [*path, name])  # type: ignore[attr-defined]

    walk(typer.main.get_command(cli.app), [])
    return found


COMMANDS = _commands()


def _help(path: list[str]) -> str:
    result = CliRunner().invoke(cli.app, [*path, "--help"], prog_name="sentinel")
    assert result.exit_code == 0, result.output
    return result.output


def _option_and_usage_lines(text: str) -> list[str]:
    """The usage line and the Options section (arguments show their type by typer's design)."""
    lines, section = [], ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.split(":")[0]
        if section in ("Usage", "Options"):
            lines.append(line)
    return lines


def test_every_command_is_walked():
    names = {" ".join(p) for p in COMMANDS}
    assert {"check", "run", "eval run", "fixtures import", "tickets reject", "label add"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "sentinel")
def test_help_names_every_value_and_shows_no_machine_path(path: list[str]):
    text = _help(path)
    placeholders = [line for line in _option_and_usage_lines(text) if PLACEHOLDER.search(line)]
    assert placeholders == [], f"sentinel {' '.join(path)} --help:\n" + "\n".join(placeholders)
    flat = " ".join(text.split())  # help wraps long paths across lines
    machine = {str(PROJECT_ROOT), str(Path.home()), tempfile.gettempdir() + "/"}
    assert [p for p in machine if p in flat] == []


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=lambda p: " ".join(p))
def test_every_option_says_what_it_does(path: list[str]):
    command = typer.main.get_command(cli.app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    params = getattr(command, "params", [])
    undocumented = [p.name for p in params if p.param_type_name == "option" and not p.help]
    assert undocumented == []
