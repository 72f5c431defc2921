"""People named in settings (compliance officers) as catalogue targets."""

from __future__ import annotations

import pytest

from routines.catalog import Target, contact_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("slack:U0ANNA", Target("slack", "person", "U0ANNA")),
        ("teams:29:1abc", Target("teams", "person", "29:1abc")),
        ("U0ANNA", Target("slack", "person", "U0ANNA")),
        ("W0ANNA", Target("slack", "person", "W0ANNA")),
        (
            "6f1c2b1e-1d2c-4a7b-9c1e-0123456789ab",
            Target("teams", "person", "6f1c2b1e-1d2c-4a7b-9c1e-0123456789ab"),
        ),
        ("anna@example.com", Target("slack", "person", "anna@example.com")),
        ("Anna Andersson", None),
    ],
)
def test_a_settings_entry_becomes_a_person_target_or_nothing(
    text: str, expected: Target | None
) -> None:
    assert contact_target(text) == expected
