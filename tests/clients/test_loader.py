"""Reading the client directory: the file format, merging paths, and `path:line: field: problem`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clients import EXAMPLE_DIR, Client, ClientsError, check_directory, load_directory
from tests.clients.conftest import ACME, WriteFile, client_yaml

Problems = Callable[[str], list[str]]


def test_the_example_directory_holds_two_clients_with_every_field(solvinge: Client) -> None:
    assert load_directory([EXAMPLE_DIR]).ids == ("solvinge", "hemladan")
    assert solvinge.name == "Solvinge Resor AB"
    assert solvinge.controller.startswith("Solvinge Resor AB")
    assert solvinge.rights_requests.email == "dataskydd@solvinge.example"
    assert solvinge.rights_requests.forward_within_business_days == 1
    assert solvinge.rights_requests.script.sv and solvinge.rights_requests.script.en
    assert solvinge.retention and all(r.keep.sv and r.keep.en for r in solvinge.retention)
    assert "C05SOLVINGE" in solvinge.channels
    assert solvinge.source.endswith("clients.yaml:9")


def test_a_file_reads_into_frozen_values(write: WriteFile) -> None:
    acme = load_directory([write(ACME)]).require("acme")

    assert acme.aliases == ("acme-kön", "acme queue")
    assert acme.rights_requests.phone == "+46 8 000 00 00"
    assert acme.retention[0].data.get("sv") == "bokningar"
    assert acme.retention[0].keep.get("en") == "24 months after departure"
    assert acme.channels == ("C0ACME", "19:abc@thread.tacv2")
    with pytest.raises(AttributeError):
        acme.name = "Other AB"  # type: ignore[misc]


def test_forwarding_defaults_to_one_business_day(write: WriteFile) -> None:
    text = ACME.replace("      forward_within_business_days: 1\n", "")
    acme = load_directory([write(text)]).require("acme")

    assert acme.rights_requests.forward_within_business_days == 1


def test_one_way_to_reach_the_controller_is_enough(write: WriteFile) -> None:
    text = ACME.replace("      email: dataskydd@acme.example\n", "").replace(
        '      phone: "+46 8 000 00 00"\n', ""
    )
    rights = load_directory([write(text)]).require("acme").rights_requests

    assert (rights.email, rights.url, rights.phone) == (None, "https://acme.example/gdpr", None)


def test_values_stay_text_even_when_yaml_would_read_a_number(write: WriteFile) -> None:
    text = ACME.replace('"+46 8 000 00 00"', "08-123 45 67").replace(
        '"19:abc@thread.tacv2"', "19:30@thread.tacv2"
    )
    acme = load_directory([write(text)]).require("acme")

    assert acme.rights_requests.phone == "08-123 45 67"
    assert acme.channels[1] == "19:30@thread.tacv2"


def test_a_folder_means_every_yaml_file_under_it_in_name_order(write: WriteFile) -> None:
    write("clients:\n" + client_yaml("beta", "Beta AB"), "dir/b.yaml")
    write("clients:\n" + client_yaml("alfa", "Alfa AB"), "dir/sub/a.yml")
    write("not: a client file\n", "dir/notes.txt")
    write("on: push\n", "dir/.github/workflows/ci.yml")
    folder = write("clients: []\n", "dir/empty.yaml").parent

    assert load_directory([folder]).ids == ("beta", "alfa")  # b.yaml < empty.yaml < sub/a.yml


def test_several_paths_make_one_directory(write: WriteFile) -> None:
    one = write(ACME, "one.yaml")
    folder = write("clients:\n" + client_yaml("beta", "Beta AB"), "more/beta.yaml").parent

    assert load_directory([one, folder]).ids == ("acme", "beta")


def test_a_file_named_twice_is_read_once(write: WriteFile) -> None:
    path = write(ACME, "dir/acme.yaml")

    assert load_directory([path, path.parent]).ids == ("acme",)


def test_the_same_id_in_two_files_is_a_problem_naming_both_places(write: WriteFile) -> None:
    first = write(ACME, "one.yaml")
    second = write("clients:\n" + client_yaml("acme", "Acme Two AB"), "two.yaml")

    assert [str(p) for p in check_directory([first, second])] == [
        f"{second}:2: id: duplicate id 'acme' (also at {first}:2)"
    ]


def test_the_same_id_twice_in_one_file_is_a_problem(write: WriteFile) -> None:
    path = write("clients:\n" + client_yaml("beta", "Beta AB") + client_yaml("beta", "Beta 2"))

    assert [str(p) for p in check_directory([path])] == [
        f"{path}:8: id: duplicate id 'beta' (also at {path}:2)"
    ]


def test_an_alias_two_clients_claim_is_a_problem_however_it_is_spelt(write: WriteFile) -> None:
    path = write(ACME + client_yaml("beta", "Beta AB", aliases="[Acme Kon]"))

    assert [str(p) for p in check_directory([path])] == [
        f"{path}:20: aliases[0]: 'Acme Kon' is also a name of client 'acme' ({path}:4)"
    ]


def test_the_name_of_one_client_cannot_be_the_alias_of_another(write: WriteFile) -> None:
    path = write(ACME + client_yaml("beta", "Beta AB", aliases="[ACME AB]"))

    assert [str(p) for p in check_directory([path])] == [
        f"{path}:20: aliases[0]: 'ACME AB' is also a name of client 'acme' ({path}:3)"
    ]


def test_two_clients_may_share_a_name_once_the_legal_form_is_left_off(write: WriteFile) -> None:
    entries = client_yaml("nord-se", "Nord AB") + client_yaml("nord-fi", "Nord Oy")
    directory = load_directory([write("clients:\n" + entries)])

    assert [c.id for c in directory.clients_named_in("Nord-kunden")] == ["nord-se", "nord-fi"]


def test_a_channel_two_clients_claim_is_a_problem(write: WriteFile) -> None:
    path = write(ACME + client_yaml("beta", "Beta AB", channels="[C0BETA, C0ACME]"))

    assert [str(p) for p in check_directory([path])] == [
        f"{path}:23: channels[1]: 'C0ACME' also belongs to client 'acme' ({path}:17)"
    ]


# (what to change in ACME, then the start of each problem it makes: "line: field: message")
SCRIPT = ACME[ACME.index("      script:") : ACME.index("    retention:")]
ONE_PROBLEM: dict[str, tuple[tuple[str, str] | str, ...]] = {
    "id not kebab case": (
        ("id: acme", "id: Acme_1"),
        "2: id: 'Acme_1' is not a valid id (lowercase letters, digits and single hyphens, "
        "e.g. acme or nordic-travel)",
    ),
    "name missing": (("    name: Acme AB\n", ""), "2: name: missing"),
    "name empty": (("name: Acme AB", 'name: " "'), "3: name: must not be empty"),
    "name a list": (
        ("name: Acme AB", "name: [Acme]"),
        "3: name: expected a single value, not a list",
    ),
    "unknown field": (
        ("    channels:", "    website: x\n    channels:"),
        "17: website: unknown field (known: id, name, aliases, controller, rights_requests, "
        "retention, channels, team_leads)",
    ),
    "misspelt field": (
        ("      url:", "      web:"),
        "8: rights_requests.web: unknown field (known: email, url, phone, "
        "forward_within_business_days, script)",
    ),
    "repeated key": (
        ("    aliases: [acme-kön, acme queue]", "    aliases: [a1]\n    aliases: [a2]"),
        "5: aliases: repeated key (first on line 4)",
    ),
    "e-mail without @": (
        ("dataskydd@acme.example", "dataskydd.acme.example"),
        "7: rights_requests.email: 'dataskydd.acme.example' is not an e-mail address "
        "(name@company.example)",
    ),
    "e-mail with mailto:": (
        ("email: dataskydd@", "email: mailto:dataskydd@"),
        "7: rights_requests.email: 'mailto:dataskydd@acme.example': give the address without "
        "'mailto:'",
    ),
    "URL without scheme": (
        ("https://acme.example/gdpr", "acme.example/gdpr"),
        "8: rights_requests.url: 'acme.example/gdpr' is not a web address "
        "(https://company.example/...)",
    ),
    "phone of words": (
        ('"+46 8 000 00 00"', "ring växeln"),
        "9: rights_requests.phone: 'ring växeln' is not a phone number "
        "(e.g. +46 8 123 456 78 or 08-123 456 78)",
    ),
    "phone too short": (('"+46 8 000 00 00"', '"112"'), "9: rights_requests.phone: '112' is not"),
    "no way to reach the controller": (
        (
            "      email: dataskydd@acme.example\n      url: https://acme.example/gdpr\n"
            '      phone: "+46 8 000 00 00"\n',
            "",
        ),
        "6: rights_requests.email: give at least one of email, url, phone",
    ),
    "rights_requests misspelt": (
        ("    rights_requests:\n", "    rights_request:\n"),
        "2: rights_requests: missing",
        "6: rights_request: unknown field",
    ),
    "negative forwarding": (
        ("business_days: 1", "business_days: -1"),
        "10: rights_requests.forward_within_business_days: expected a whole number of business "
        "days, got '-1'",
    ),
    "forwarding after the controller's month": (
        ("business_days: 1", "business_days: 21"),
        "10: rights_requests.forward_within_business_days: must be between 0 and 20 business days",
    ),
    "forwarding in words": (
        ("business_days: 1", "business_days: one"),
        "10: rights_requests.forward_within_business_days: expected a whole number",
    ),
    "script missing a language": (
        ("        en: Acme AB is the controller; write to {{client.rights_email}}.\n", ""),
        "11: rights_requests.script.en: missing",
    ),
    "script as one text": (
        (SCRIPT, "      script: Acme AB är personuppgiftsansvarigt.\n"),
        "11: rights_requests.script: expected a mapping (give sv and en), not a single value",
    ),
    "unknown language": (
        ("        en: Acme AB is", "        de: Acme AG ist\n        en: Acme AB is"),
        "13: rights_requests.script.de: unknown field (known: sv, en)",
    ),
    "language swapped for another": (
        ("        en: Acme AB is", "        de: Acme AB is"),
        "11: rights_requests.script.en: missing",
        "13: rights_requests.script.de: unknown field (known: sv, en)",
    ),
    "unknown placeholder in a script": (
        ("{{client.rights_email}}.\n    retention", "{{client.mail}}.\n    retention"),
        "13: rights_requests.script.en: unknown placeholder {{client.mail}}",
    ),
    "an unclosed placeholder in a script (read out as typed)": (
        ("{{client.rights_email}}.\n    retention", "{{client.rights_email.\n    retention"),
        "13: rights_requests.script.en: '{{client.rights_email.' is not a placeholder",
    ),
    "a script that quotes itself": (
        ("write to {{client.rights_email}}", "write to {{client.script}}"),
        "13: rights_requests.script.en: {{client.script}} cannot be used in a script",
    ),
    "retention data as one text": (
        ("data: {sv: bokningar, en: bookings}", "data: bokningar"),
        "15: retention[0].data: expected a mapping (give sv, en), not a single value",
    ),
    "retention keep missing English": (
        ("keep: {sv: 24 månader efter avresa, en: 24 months after departure}", "keep: {sv: 2 år}"),
        "16: retention[0].keep.en: missing",
    ),
    "retention not a list of mappings": (
        (
            "      - data: {sv: bokningar, en: bookings}\n",
            "      - two years\n      - data: {sv: b, en: b}\n",
        ),
        "15: retention[0]: expected a mapping, not a single value",
    ),
    "channel by name": (
        ("C0ACME", "'#acme'"),
        "17: channels[0]: '#acme': give the channel id (C…)",
    ),
    "channel unknown shape": (
        ("C0ACME", "acme-kanalen"),
        "17: channels[0]: 'acme-kanalen' is not a channel id (Slack: C… or G…; Teams: "
        "19:…@thread.tacv2, from the channel's 'Get link to channel')",
    ),
    "Slack direct message as a channel": (
        ("C0ACME", "D0ACME"),
        "17: channels[0]: 'D0ACME' is a Slack direct message or user, not a channel (C… or G…)",
    ),
    "Teams thread as a channel": (
        ('"19:abc@thread.tacv2"', '"19:abc@thread.tacv2;messageid=1700000000000"'),
        "17: channels[1]: '19:abc@thread.tacv2;messageid=1700000000000': give the channel id "
        "without ';messageid=…' (that is one thread)",
    ),
    "channel twice": (('"19:abc@thread.tacv2"', "C0ACME"), "17: channels[1]: 'C0ACME' repeated"),
    "alias without letters": (
        ("aliases: [acme-kön, acme queue]", "aliases: [acme-kön, '-']"),
        "4: aliases[1]: '-' is too short to recognise (2+ letters or digits)",
    ),
}


@pytest.mark.parametrize("case", ONE_PROBLEM.values(), ids=ONE_PROBLEM.keys())
def test_a_mistake_gives_its_problem_with_line_and_field(
    problems_in: Problems, case: tuple[Any, ...]
) -> None:
    (old, new), *expected = case
    assert old in ACME
    found = problems_in(ACME.replace(old, new, 1))

    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start)


def test_every_problem_in_a_file_is_reported_in_one_pass_in_line_order(
    problems_in: Problems,
) -> None:
    broken = (
        ACME.replace("id: acme", "id: ACME")
        .replace("dataskydd@acme.example", "dataskydd")
        .replace("business_days: 1", "business_days: x")
        .replace("C0ACME", "kanalen")
    )
    found = problems_in(broken + client_yaml("beta", "Beta", channels="[nope]"))

    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in found] == [
        "2: id",
        "7: rights_requests.email",
        "10: rights_requests.forward_within_business_days",
        "17: channels[0]",
        "23: channels[0]",
    ]


def test_a_yaml_syntax_error_names_its_line(problems_in: Problems) -> None:
    assert problems_in("clients:\n  - id: a\n    name: x: y\n    controller: c\n") == [
        "3: yaml: syntax error: mapping values are not allowed in this context"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "1: clients: the file is empty (expected a 'clients:' list)"),
        ("- id: acme\n", "1: clients: expected a mapping with a 'clients:' list"),
        ("client: []\n", "1: client: unknown field (known: clients)"),
        ("clients: acme\n", "1: clients: expected a list, not a single value"),
        ("clients:\n  - acme\n", "2: clients[0]: expected a mapping, not a single value"),
    ],
)
def test_a_file_of_the_wrong_shape_says_what_is_expected(
    problems_in: Problems, text: str, expected: str
) -> None:
    assert problems_in(text)[0] == expected


def test_an_empty_clients_list_is_a_valid_file(write: WriteFile) -> None:
    assert len(load_directory([write("clients: []\n")])) == 0


def test_paths_that_do_not_exist_or_hold_no_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    assert [str(p) for p in check_directory([tmp_path / "nope.yaml", tmp_path / "empty"])] == [
        f"{tmp_path / 'nope.yaml'}:0: path: does not exist",
        f"{tmp_path / 'empty'}:0: path: holds no client files (*.yaml, *.yml)",
    ]


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("clients:\n  - name: Hemlådan\n".encode("latin-1"))

    assert [str(p) for p in check_directory([path])] == [f"{path}:1: file: is not UTF-8 text"]


def test_loading_a_broken_directory_raises_with_every_problem(write: WriteFile) -> None:
    path = write(ACME.replace("id: acme", "id: Acme").replace("C0ACME", "x"))

    with pytest.raises(ClientsError) as raised:
        load_directory([path])

    assert [p.field for p in raised.value.problems] == ["id", "channels[0]"]
    assert str(raised.value).splitlines()[0].startswith(f"{path}:2: id: ")


def test_team_leads_are_platform_ids(write: WriteFile) -> None:
    path = write(ACME + '    team_leads: ["slack:U0LEAD", "teams:6f1c0e2a-aaaa"]\n')

    (client,) = load_directory([path])

    assert client.team_leads == ("slack:U0LEAD", "teams:6f1c0e2a-aaaa")


@pytest.mark.parametrize(
    ("lead", "message"),
    [
        ("lead@acme.example", "not an e-mail address"),
        ("mail:U0LEAD", "expected slack:<id> or teams:<id>"),
        ("slack:", "expected a platform user id"),
    ],
)
def test_a_team_lead_that_is_no_platform_id_is_a_problem_on_its_line(
    write: WriteFile, lead: str, message: str
) -> None:
    path = write(ACME + f'    team_leads: ["{lead}"]\n')

    (problem,) = check_directory([path])

    assert str(problem).startswith(f"{path}:18: team_leads[0]: ")
    assert message in str(problem)
