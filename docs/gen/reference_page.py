"""The option and command reference, generated from the kit's real parsers so it cannot drift.

* pytest options: the plugin's own ``pytest_addoption`` is called with a recorder standing in
  for pytest's parser, so every ``getgroup(...).addoption(...)`` and ``addini(...)`` it makes is
  listed, whatever the pytest version. ``tests/test_docs.py`` checks the result against what
  ``pytest --help`` prints.
* the ``dropout-conformance`` command: walked from ``dropout_conformance.grader.cli.parser()``.

``python docs/gen/reference_page.py`` prints the page; the mkdocs hook (``hooks.py``) builds it into
the site as ``reference.md``. Needs only the kit, not mkdocs.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Option:
    names: tuple[str, ...]
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    kind: str = "value"  # value | flag | repeatable | positional | repeatable positional

    def usage(self, sep: str = "=") -> str:
        """How the option is written, as ``--help`` shows it (``--dropout-seed=N``, ``--seed SEED``)."""
        if self.kind == "flag":
            return ", ".join(self.names)
        arg = self.metavar or ("{" + ",".join(self.choices) + "}" if self.choices else self.names[-1].lstrip("-").upper())
        if self.kind.endswith("positional"):
            return arg + (" ..." if self.kind.startswith("repeatable") else "")
        return ", ".join(f"{n}{sep}{arg}" if n.startswith("--") else f"{n} {arg}" for n in self.names)


@dataclass
class Group:
    name: str
    description: str
    options: list[Option] = field(default_factory=list)


class _Recorder:
    """Stands in for ``pytest.Parser``: records what the plugin registers (options and ini values)."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.ini: list[tuple[str, str, str | None]] = []

    def getgroup(self, name: str, description: str = "", after: str | None = None) -> _Recorder._Group:
        group = self.groups.setdefault(name, Group(name, description))
        group.description = group.description or description
        return _Recorder._Group(group)

    def addoption(self, *opts: str, **attrs: Any) -> None:  # options outside any group: pytest's "custom options"
        self.getgroup("custom options").addoption(*opts, **attrs)

    def addini(self, name: str, help: str, type: str | None = None, default: Any = None, **_: Any) -> None:
        self.ini.append((name, help, type))

    class _Group:
        def __init__(self, group: Group) -> None:
            self.group = group

        def addoption(self, *opts: str, **attrs: Any) -> None:
            action = attrs.get("action", "store")
            kind = {"store_true": "flag", "store_false": "flag", "append": "repeatable", "count": "flag"}.get(action, "value")
            self.group.options.append(
                Option(tuple(opts), " ".join(attrs.get("help", "").split()), attrs.get("metavar"),
                       tuple(attrs["choices"]) if attrs.get("choices") else None, kind)
            )

        _addoption = addoption


def pytest_groups() -> tuple[list[Group], list[tuple[str, str, str | None]]]:
    """Every option group and ini value the plugin registers with pytest."""
    from dropout_conformance import plugin

    recorder = _Recorder()
    plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    return list(recorder.groups.values()), recorder.ini


def pytest_options() -> list[Option]:
    return [o for g in pytest_groups()[0] for o in g.options]


def _argparse_options(p: argparse.ArgumentParser) -> list[Option]:
    out = []
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            continue
        if isinstance(a, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._HelpAction, argparse._VersionAction)):
            kind = "flag"
        elif isinstance(a, argparse._AppendAction):
            kind = "repeatable"
        elif not a.option_strings:
            kind = "repeatable positional" if a.nargs in ("+", "*") else "positional"
        else:
            kind = "value"
        metavar = a.metavar if isinstance(a.metavar, str) else None
        if metavar is None and not a.choices and kind in ("value", "repeatable"):
            metavar = a.dest.upper()
        if metavar is None and kind.endswith("positional"):
            metavar = a.dest
        help_text = a.help or ("see the description above" if not a.option_strings else "")
        if isinstance(a, argparse._VersionAction):
            help_text = help_text or "show the program's version number and exit"
        out.append(Option(tuple(a.option_strings), " ".join(help_text.split()), metavar,
                          tuple(a.choices) if a.choices and not isinstance(a.choices, dict) else None, kind))
    return out


def grader_commands() -> list[tuple[str, argparse.ArgumentParser, list[Option]]]:
    """(command, parser, options) for ``dropout-conformance`` and each of its subcommands."""
    from dropout_conformance.grader.cli import parser

    top = parser()
    out = [("dropout-conformance", top, _argparse_options(top))]
    for a in top._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sub in a.choices.items():
                out.append((f"dropout-conformance {name}", sub, _argparse_options(sub)))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _usage(p: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps the usage line at the terminal's width
    try:
        return p.format_usage().strip()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def render() -> str:
    groups, ini = pytest_groups()
    lines = [
        "# Reference: options and commands",
        "",
        "This page is generated when the site is built, from the parsers the kit really uses: the pytest",
        "plugin's `pytest_addoption` and `dropout_conformance.grader.cli.parser()` (`docs/gen/reference_page.py`).",
        "`tests/test_docs.py` checks it against what `pytest --help` and `dropout-conformance grade --help` print.",
        "",
        "## pytest options",
        "",
        "The plugin (entry point `pytest11`, module `dropout_conformance.plugin`) adds these options to",
        "`pytest`. It is dormant unless `--dropout-impl` is given. Under `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`,",
        "load it with `-p dropout_conformance.plugin`; switch it off with `-p no:dropout_conformance.plugin`.",
        "",
    ]
    for g in groups:
        lines += [f"### {g.description or g.name}", ""]
        lines += ["| option | kind | meaning |", "|---|---|---|"]
        for o in g.options:
            lines.append(f"| `{_cell(o.usage('='))}` | {o.kind} | {_cell(o.help)} |")
        lines.append("")
    lines += ["### ini values", ""]
    if ini:
        lines += ["| name | type | meaning |", "|---|---|---|"]
        lines += [f"| `{n}` | {t or 'string'} | {_cell(h)} |" for n, h, t in ini]
    else:
        lines.append("The plugin reads no ini (`pytest.ini`, `pyproject.toml`) values; everything is a command-line option.")
    lines.append("")
    lines += [
        "## The `dropout-conformance` command",
        "",
        "Installed as a console script; `python -m dropout_conformance` is the same command.",
        "",
    ]
    for name, p, options in grader_commands():
        lines += [f"### `{name}`", ""]
        if p.description:
            lines += [" ".join(p.description.split()), ""]
        lines += ["```text", _usage(p), "```", ""]
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        for a in subs:
            lines += ["| command | meaning |", "|---|---|"]
            helps = {c.dest: c.help for c in a._choices_actions}
            lines += [f"| `{n}` | {_cell(helps.get(n) or '')} |" for n in a.choices]
            lines.append("")
        lines += ["| argument | kind | meaning |", "|---|---|---|"]
        lines += [f"| `{_cell(o.usage(' '))}` | {o.kind} | {_cell(o.help)} |" for o in options]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
