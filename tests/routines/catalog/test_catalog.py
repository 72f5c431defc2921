"""The routine catalogue: the shipped file, overrides by id, and `path:line: field: problem`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from routines.catalog import DEFAULT_FILE, CatalogError, check_files, load_catalog
from routines.schedule.rules import Schedule

VALID = """\
routines:
  - id: access-log-check
    title: {sv: Kontroll av loggar, en: Access log check}
    schedule: "0 9 * * 1"
    post_to: [{platform: slack, channel: C01}]
    assignees: {people: ["slack:U1", "anna@example.com"], confirm: all}
"""


def write(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    return check_files([write(tmp_path, text)])


def test_the_shipped_catalogue_loads_with_titles_in_both_languages_and_gdpr_refs() -> None:
    catalog = load_catalog()
    expected = {
        "retention-review": "5(1)(e)",
        "records-of-processing-review": "30",
        "processor-agreement-review": "28",
        "gdpr-training": "39(1)(b)",
        "access-rights-review": "32",
        "breach-drill": "33",
        "dsr-queue-check": "12(3)",
    }
    for routine_id, article in expected.items():
        routine = catalog.get(routine_id)
        assert routine is not None, routine_id
        assert article in routine.gdpr
        assert routine.title["sv"] and routine.title["en"]
        assert routine.description["sv"] and routine.description["en"]
    kb = catalog.get("kb-article-review")
    assert kb is not None and kb.kind == "kb_review"


def test_shipped_routines_go_to_the_console_channel_until_an_installation_routes_them() -> None:
    routine = load_catalog().get("retention-review")
    assert routine is not None
    assert [(t.platform, t.kind, t.address) for t in routine.post_to] == [
        ("console", "channel", "gdpr")
    ]
    assert routine.assignees.anyone_in_channel


def test_an_installation_overrides_fields_of_a_shipped_routine_by_id(tmp_path: Path) -> None:
    extra = write(tmp_path, """\
        routines:
          - id: retention-review
            due_days: 30
            post_to: [{platform: teams, channel: "19:abc@thread.tacv2"}]
          - id: gdpr-training
            enabled: false
        """)  # fmt: skip
    catalog = load_catalog([extra])
    retention = catalog.get("retention-review")
    assert retention is not None
    assert retention.due_days == 30
    assert retention.post_to[0].platform == "teams"
    assert retention.gdpr == ("5(1)(e)",)  # kept from the shipped file
    training = catalog.get("gdpr-training")
    assert training is not None and not training.enabled
    assert training not in catalog.enabled


def test_file_defaults_route_every_routine_that_does_not_say(tmp_path: Path) -> None:
    extra = write(tmp_path, """\
        defaults:
          post_to: [{platform: slack, channel: C0GDPR}]
          assignees: {people: ["slack:U1"]}
        """)  # fmt: skip
    routine = load_catalog([extra]).get("breach-drill")
    assert routine is not None
    assert routine.post_to[0].address == "C0GDPR"
    assert [p.address for p in routine.assignees.people] == ["U1"]


def test_a_valid_file_reads_people_by_platform_id_and_by_email(tmp_path: Path) -> None:
    catalog = load_catalog([write(tmp_path, VALID)], include_default=False)
    routine = catalog.get("access-log-check")
    assert routine is not None
    assert routine.schedule == Schedule(cron="0 9 * * 1")
    assert [(p.platform, p.address) for p in routine.assignees.people] == [
        ("slack", "U1"),
        ("slack", "anna@example.com"),
    ]
    assert routine.assignees.confirm == "all"
    assert routine.timezone == "Europe/Stockholm"
    assert check_files([write(tmp_path, VALID)]) == []


def test_an_unknown_field_is_named_with_its_line(tmp_path: Path) -> None:
    text = VALID + "    colour: blue\n"
    path = tmp_path / "extra.yaml"
    assert problems(tmp_path, text) == [f"{path}:7: colour: unknown field"]


def test_a_bad_cron_expression_is_reported_on_the_schedule_line(tmp_path: Path) -> None:
    [line] = problems(tmp_path, VALID.replace('"0 9 * * 1"', '"61 9 * * 1"'))
    assert line.startswith(f"{tmp_path / 'extra.yaml'}:4: schedule: bad cron expression")


def test_an_unknown_timezone_is_reported(tmp_path: Path) -> None:
    [line] = problems(tmp_path, VALID + "    timezone: Europe/Stokholm\n")
    assert line == f"{tmp_path / 'extra.yaml'}:7: timezone: unknown time zone 'Europe/Stokholm'"


def test_a_duplicate_id_in_one_file_is_reported_on_the_second_definition(tmp_path: Path) -> None:
    text = VALID + VALID.replace("routines:\n", "")
    [line] = problems(tmp_path, text)
    assert line == (
        f"{tmp_path / 'extra.yaml'}:7: id: duplicate id 'access-log-check' "
        "(first defined on line 2)"
    )


def test_the_same_id_in_two_installation_files_overlaps(tmp_path: Path) -> None:
    first = write(tmp_path, VALID, "a.yaml")
    second = write(tmp_path, VALID, "b.yaml")
    [line] = check_files([first, second])
    assert line.startswith(f"{second}:2: id: overlapping id 'access-log-check' (also in {first}:2")


def test_a_routine_with_no_assignees_is_reported(tmp_path: Path) -> None:
    text = VALID.replace('{people: ["slack:U1", "anna@example.com"], confirm: all}', "[]")
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'extra.yaml'}:2: assignees: assignee missing (people, or 'channel')"
    ]


def test_bad_dates_in_a_date_list_are_reported(tmp_path: Path) -> None:
    text = VALID.replace('"0 9 * * 1"', "[2027-02-01, 2027-13-01]")
    [line] = problems(tmp_path, text)
    assert line.startswith(f"{tmp_path / 'extra.yaml'}:4: schedule: bad date(s)")


def test_a_bad_every_rule_and_missing_anchor_are_both_reported(tmp_path: Path) -> None:
    text = VALID.replace('"0 9 * * 1"', "{every: fortnight}")
    [line] = problems(tmp_path, text)
    assert ": schedule.anchor: expected a date YYYY-MM-DD" in line


def test_every_problem_in_a_file_is_listed_not_just_the_first(tmp_path: Path) -> None:
    text = VALID + "    timezone: Mars/Olympus\n    evidence: maybe\n"
    found = problems(tmp_path, text)
    assert [line.split(": ")[1] for line in found] == ["timezone", "evidence"]


def test_load_catalog_raises_with_every_problem(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog([write(tmp_path, VALID + "    colour: blue\n")])
    assert caught.value.problems == [f"{tmp_path / 'extra.yaml'}:7: colour: unknown field"]


def test_yaml_syntax_errors_carry_their_line(tmp_path: Path) -> None:
    [line] = problems(tmp_path, "routines:\n  - id: x\n    title: [unclosed\n")
    assert line.startswith(f"{tmp_path / 'extra.yaml'}:")
    assert ": yaml: " in line


def test_checking_the_shipped_file_itself_is_clean() -> None:
    assert check_files([DEFAULT_FILE]) == []


@pytest.mark.parametrize("cron", ["0 9 30 2 *", "0 9 31 4,6,9,11 *"])
def test_a_cron_expression_that_never_fires_is_reported(tmp_path: Path, cron: str) -> None:
    [line] = problems(tmp_path, VALID.replace('"0 9 * * 1"', f'"{cron}"'))
    where = tmp_path / "extra.yaml"
    assert line == f"{where}:4: schedule: cron expression '{cron}' never fires (no such date)"


def test_a_cron_expression_that_fires_once_in_four_years_is_fine(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID.replace('"0 9 * * 1"', '"0 9 29 2 *"')) == []


def test_a_defaults_key_that_cannot_have_a_default_is_one_problem_in_its_own_file(
    tmp_path: Path,
) -> None:
    # it was also "unknown field" once per routine it reached, on the shipped file's lines
    path = write(
        tmp_path, "defaults:\n  post_too: [{platform: slack, channel: C1}]\nroutines: []\n"
    )
    assert check_files([path]) == [f"{path}:2: defaults.post_too: cannot have a default"]
