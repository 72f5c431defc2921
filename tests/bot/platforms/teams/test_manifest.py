"""docs/teams: the app package an admin zips and uploads to Teams is complete and valid."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

TEAMS_DOCS = Path(__file__).resolve().parents[4] / "docs" / "teams"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((TEAMS_DOCS / "manifest.json").read_text("utf-8"))
    return loaded


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_manifest_version_is_recent_enough(manifest: dict[str, Any]) -> None:
    major, minor = (int(part) for part in manifest["manifestVersion"].split(".")[:2])
    assert (major, minor) >= (1, 16)


def test_bot_is_available_in_personal_chat_teams_and_group_chats(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["botId"] == manifest["id"]  # the placeholder the admin replaces with the app id


def test_commands_are_offered_in_swedish_and_english(manifest: dict[str, Any]) -> None:
    titles = {c["title"] for lst in manifest["bots"][0]["commandLists"] for c in lst["commands"]}
    assert {"hjälp", "help", "rutiner", "routines"} <= titles


def test_icons_exist_in_the_sizes_teams_requires(manifest: dict[str, Any]) -> None:
    assert png_size(TEAMS_DOCS / manifest["icons"]["color"]) == (192, 192)
    assert png_size(TEAMS_DOCS / manifest["icons"]["outline"]) == (32, 32)
