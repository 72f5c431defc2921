"""docs/teams: the app package an admin zips and uploads to Teams is complete and points somewhere.

The command menu is checked against the bot's own command words (read from the code by
tests/code_scan.py), the privacy and terms links against files in this repository, and
README's packaging command against the files the manifest names.
"""

from __future__ import annotations

import json
import re
import shlex
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest

from tests.code_scan import chat_commands
from tests.conftest import REPO, require_or_skip

TEAMS_DOCS = REPO / "docs" / "teams"
# Microsoft's published schemas (npm @microsoft/app-manifest), fetched by .ci/fetch-tools.
SCHEMAS = REPO / ".ci-tools" / "app-manifest" / "package" / "build" / "json-schemas" / "teams"
GITHUB_FILE = re.compile(r"^/([^/]+)/([^/]+)/blob/([^/]+)/(.+)$")
# The newest GA schema when this was written (Microsoft 365 app manifest reference, 1.30).
CURRENT_SCHEMA = (1, 30)


def version_of(schema_url: str) -> str:
    found = re.search(r"/teams/v(\d+\.\d+)/", schema_url)
    assert found, f"no version in {schema_url}"
    return found.group(1)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((TEAMS_DOCS / "manifest.json").read_text("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def swedish(manifest: dict[str, Any]) -> dict[str, Any]:
    (entry,) = manifest["localizationInfo"]["additionalLanguages"]
    assert entry["languageTag"] == "sv"
    loaded: dict[str, Any] = json.loads((TEAMS_DOCS / entry["file"]).read_text("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def menu(manifest: dict[str, Any], swedish: dict[str, Any]) -> list[tuple[str, str]]:
    """(English title, Swedish title) of every command in the menus (one per scope)."""
    return [
        (command["title"], swedish[f"bots[0].commandLists[{n}].commands[{i}].title"])
        for n, command_list in enumerate(manifest["bots"][0]["commandLists"])
        for i, command in enumerate(command_list["commands"])
    ]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_manifest_and_localization_use_the_current_schema(
    manifest: dict[str, Any], swedish: dict[str, Any]
) -> None:
    version = manifest["manifestVersion"]
    assert version_of(manifest["$schema"]) == version
    assert version_of(swedish["$schema"]) == version  # Teams requires the same version
    assert tuple(int(part) for part in version.split(".")) >= CURRENT_SCHEMA


def test_bot_is_available_in_personal_chat_teams_and_group_chats(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["botId"] == manifest["id"]  # the placeholder the admin replaces with the app id


def test_every_chat_command_is_in_the_menu_in_english_and_swedish(
    menu: list[tuple[str, str]],
) -> None:
    commands = chat_commands()
    assert {"help", "ask", "routines", "report"} <= set(commands)  # the scan found the tables
    offered = {
        command
        for english, swedish_title in menu
        for command, words in commands.items()
        if english in words and swedish_title in words
    }
    missing = sorted(set(commands) - offered)
    assert not missing, f"commands missing from docs/teams (manifest.json + sv.json): {missing}"


def test_every_menu_entry_is_a_word_the_bot_understands(menu: list[tuple[str, str]]) -> None:
    command_of = {word: command for command, words in chat_commands().items() for word in words}
    for english, swedish_title in menu:
        assert english in command_of, f"{english!r} is no command word"
        assert swedish_title in command_of, f"{swedish_title!r} is no command word"
        assert command_of[english] == command_of[swedish_title], (english, swedish_title)


def test_menu_fits_teams_limits(manifest: dict[str, Any], swedish: dict[str, Any]) -> None:
    command_lists = manifest["bots"][0]["commandLists"]
    assert len(command_lists) <= 3  # one list per scope
    scopes = [scope for command_list in command_lists for scope in command_list["scopes"]]
    assert len(scopes) == len(set(scopes)), "a scope in two command lists"
    assert all(len(c["commands"]) <= 12 for c in command_lists)  # per list since schema 1.24
    titles = [c["title"] for command_list in command_lists for c in command_list["commands"]]
    descriptions = [c["description"] for cl in command_lists for c in cl["commands"]]
    descriptions += [v for k, v in swedish.items() if k.endswith(".description") and "[" in k]
    assert all(len(text) <= 128 for text in descriptions)
    titles += [v for k, v in swedish.items() if k.endswith(".title")]
    assert all(len(title) <= 32 and " " not in title for title in titles)
    for names in (manifest["name"], {"short": swedish["name.short"]}):
        assert len(names["short"]) <= 30


def test_privacy_and_terms_links_point_at_documents_in_this_repository(
    manifest: dict[str, Any],
) -> None:
    developer = manifest["developer"]
    project = developer["websiteUrl"].rstrip("/")
    for key in ("privacyUrl", "termsOfUseUrl"):
        url = urlparse(developer[key])
        assert url.scheme == "https", key
        found = GITHUB_FILE.match(url.path)
        assert found, f"{key} is not a link to a file in the repository: {developer[key]}"
        path = found.group(4)
        assert developer[key].startswith(f"{project}/blob/"), f"{key} is not in {project}"
        assert (REPO / path).is_file(), f"{key} points at {path}, which does not exist"
    assert "privacy" in developer["privacyUrl"] and "terms" in developer["termsOfUseUrl"]


def test_icons_exist_in_the_sizes_teams_requires(manifest: dict[str, Any]) -> None:
    assert png_size(TEAMS_DOCS / manifest["icons"]["color"]) == (192, 192)
    assert png_size(TEAMS_DOCS / manifest["icons"]["outline"]) == (32, 32)


def test_readmes_packaging_command_zips_every_file_the_manifest_names(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"`(python3 -m zipfile -c gdpr-bot-teams\.zip [^`]+)`", readme)
    args = shlex.split(command)
    assert args[:4] == ["python3", "-m", "zipfile", "-c"]
    target = tmp_path / "gdpr-bot-teams.zip"
    files = [str(REPO / arg) for arg in args[5:]]
    subprocess.run([sys.executable, "-m", "zipfile", "-c", str(target), *files], check=True)

    named = {"manifest.json", manifest["icons"]["color"], manifest["icons"]["outline"]}
    named |= {lang["file"] for lang in manifest["localizationInfo"]["additionalLanguages"]}
    with zipfile.ZipFile(target) as package:
        assert set(package.namelist()) == named  # at the archive root, nothing else


@pytest.mark.parametrize(
    ("document", "schema"),
    [
        ("manifest.json", "MicrosoftTeams.schema.json"),
        ("sv.json", "MicrosoftTeams.Localization.schema.json"),
    ],
)
def test_package_validates_against_microsofts_schema(
    manifest: dict[str, Any], document: str, schema: str
) -> None:
    schema_file = SCHEMAS / f"v{manifest['manifestVersion']}" / schema
    if not schema_file.is_file():
        require_or_skip("Microsoft's Teams schemas are not fetched (bash .ci/fetch-tools)")
    validator = jsonschema.Draft4Validator(json.loads(schema_file.read_text("utf-8")))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(json.loads((TEAMS_DOCS / document).read_text("utf-8")))
    ]
    assert not errors, errors
