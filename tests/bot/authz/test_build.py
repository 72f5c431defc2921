"""Roles read from the catalogue: who counts as a routine's lead."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.authz.build import leads_of
from routines.catalog import load_catalog

CATALOGUE = """\
routines:
  - id: team-check
    title: {sv: Teamkoll, en: Team check}
    schedule: {every: quarter, anchor: 2026-10-01}
    due_days: 14
    post_to: [{platform: slack, channel: C0TEAM}]
    assignees: {people: ["slack:UANNA"], confirm: any}
    escalate: {after_days: 5, to: [{platform: slack, person: UBOSS}]}
  - id: onboarding
    kind: training
    title: {sv: Introduktion, en: Onboarding}
    schedule: {every: year, anchor: 2026-10-01}
    due_days: 14
    assignees: {people: ["slack:UTRAINEE"], confirm: all}
    escalate: {after_days: 5, to: [{platform: slack, person: UBOSS}]}
    training: {tags: [onboarding], questions: 5, pass_mark: 80}
"""


def test_trainees_are_not_leads_of_their_campaign_but_its_escalation_is(tmp_path: Path) -> None:
    path = tmp_path / "routines.yaml"
    path.write_text(textwrap.dedent(CATALOGUE), encoding="utf-8")
    leads = leads_of(load_catalog([path], include_default=False).routines)

    assert leads["team-check"] == [("slack", "UANNA"), ("slack", "UBOSS")]
    assert leads["onboarding"] == [("slack", "UBOSS")]
