"""README's "Run in production" covers every recipe in deploy/ and links what it builds on."""

from __future__ import annotations

from tests.conftest import REPO
from tests.deploy.recipes import DEPLOY, readme, readme_section


def test_every_recipe_file_is_explained_in_run_in_production() -> None:
    section = readme_section("Run in production")
    files = sorted(p.relative_to(REPO).as_posix() for p in DEPLOY.rglob("*") if p.is_file())
    missing = [f for f in files if f not in section]
    assert not missing, f"README's 'Run in production' does not mention {missing}"


def test_run_in_production_links_running_at_scale_instead_of_repeating_it() -> None:
    section = readme_section("Run in production")
    assert "(#running-at-scale)" in section
    assert "## Running at scale" in readme()


def test_two_commands_stay_at_the_top() -> None:
    text = readme()
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Two commands"
    assert "make run" in text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
