"""The repository keeps its promises: CI runs the README's test command, Binder files exist."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)


def test_readme_gives_exactly_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands), "each command is one line"
    assert "jupyter lab notebooks/01_quickstart.ipynb" in commands[0]
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()


def test_binder_installs_this_repo():
    requirements = (ROOT / "binder" / "requirements.txt").read_text().split()
    assert any(r == "." or r.startswith(".[") for r in requirements)
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
