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


def _project() -> dict:
    import pytest

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower() for r in requirements}


def test_voila_gets_a_kernel_from_any_install():
    # Voila (and other plain-server hosts) install no kernel: without ipykernel a page is
    # HTTP 500 "No Jupyter kernel for language 'python' found".
    project = _project()
    assert "ipykernel" in _names(project["dependencies"])
    assert "voila" in _names(project["optional-dependencies"]["voila"])
    readme = (ROOT / "README.md").read_text()
    assert 'pip install "keras-widgets[tensorflow,voila]"' in readme
    assert "--progressive_rendering=True" in readme
