"""docs/rooms.md names every error code, command, event and room setting the code has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import Settings
from app.rooms import ERROR_CODES, PERMISSIONS
from app.rooms.models import EVENTS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "rooms.md").read_text()


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_error_code_is_documented(code: str) -> None:
    assert f"| `{code}` |" in DOC


def test_the_permission_table_matches_the_code() -> None:
    for command, roles in PERMISSIONS.items():
        row = re.search(rf"^\| `{command}` \|(.*)$", DOC, re.MULTILINE)
        assert row is not None, command
        marks = [cell.strip() == "✓" for cell in row.group(1).split("|")[:3]]
        assert marks == [role in roles for role in ("teacher", "student", "follower")], command


def test_every_event_is_documented_and_every_emitted_event_listed() -> None:
    for event, audience in EVENTS.items():
        assert re.search(rf"^\| `{event}` \| {audience} \|", DOC, re.MULTILINE), event
    source = "".join(path.read_text() for path in (ROOT / "app" / "rooms").glob("*.py"))
    emitted = set(re.findall(r'"type": "([a-z_]+)"', source))
    assert emitted == set(EVENTS)


def test_every_room_setting_is_documented() -> None:
    names = [name for name in Settings.model_fields if name.startswith(("room_", "redis_"))]
    assert len(names) >= 10
    for name in names:
        assert f"| `{name}` |" in DOC, name
