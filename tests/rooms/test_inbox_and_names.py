"""Inboxes keep what a slow reader needs and no more; codes, names and tokens are checked here."""

from __future__ import annotations

import pytest

from app.rooms import names
from app.rooms.errors import RoomError
from app.rooms.inbox import Keyed, Latest, Mailbox


def test_latest_keeps_only_the_newest_and_notifies() -> None:
    calls: list[int] = []
    slot: Latest[bytes] = Latest(lambda: calls.append(1))
    for index in range(100):
        slot.put(bytes([index]))
    assert slot.take() == bytes([99]) and slot.take() is None
    assert slot.received == 100 and len(calls) == 100


async def test_latest_get_waits_for_an_item() -> None:
    slot: Latest[str] = Latest()
    slot.put("a")
    assert await slot.get() == "a"


def test_mailbox_keeps_order_and_drops_the_oldest_past_its_limit() -> None:
    box: Mailbox[int] = Mailbox(limit=3)
    for item in range(5):
        box.put(item)
    assert box.take_all() == [2, 3, 4] and box.dropped == 2


async def test_keyed_keeps_the_newest_per_key_oldest_change_first() -> None:
    wall: Keyed[str, int] = Keyed()
    wall.put("ana", 1)
    wall.put("bo", 1)
    wall.put("ana", 2)
    assert list((await wall.get_all()).items()) == [("bo", 1), ("ana", 2)]
    assert wall.take_all() == {}


def test_codes_use_the_unambiguous_alphabet() -> None:
    codes = {names.new_code() for _ in range(200)}
    assert len(codes) > 190
    for code in codes:
        assert len(code) == 6 and set(code) <= set(names.CODE_ALPHABET)
    assert not set("01ILOUV") & set(names.CODE_ALPHABET)
    assert names.check_code(" abc-234 ") == "ABC234"


@pytest.mark.parametrize("typed", ["", "ABC23", "ABC2345", "ABC10O", "<b>xx", "ABC 23Ö"])
def test_a_malformed_code_is_room_not_found(typed: str) -> None:
    with pytest.raises(RoomError) as refused:
        names.check_code(typed)
    assert (
        refused.value.code == "room_not_found" and "no room has the code" in refused.value.message
    )


def test_tokens_are_stored_as_digests_and_compared_whole() -> None:
    token = names.new_secret()
    stored = names.digest(token)
    assert token not in stored and len(token) >= 32
    assert names.matches(token, stored)
    assert not names.matches(token[:-1], stored) and not names.matches("", stored)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("  Ana  ", "Ana"),
        ("Ana\n", "Ana"),  # pasted with its line end
        ("Ana   Lima", "Ana Lima"),
        ("Zoë", "Zoë"),
        ("Tom & Jerry", "Tom & Jerry"),
        ("👩\u200d🔬 Kim", "👩\u200d🔬 Kim"),  # an emoji sequence keeps its joiner
        ("x" * 24, "x" * 24),
    ],
)
def test_good_names_are_trimmed_and_kept(raw: str, shown: str) -> None:
    assert names.clean_name(raw, 24) == shown


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("x" * 25, "25 characters; at most 24"),
        ("Ana\x00", "U+0000"),
        ("An\na", "U+000A"),
        ("Ana\tLima", "U+0009"),
        ("Ana\x1b[31m", "U+001B"),
        ("evil\u202etxt", "U+202E"),  # right-to-left override
        ("zero\u200bwidth", "U+200B"),
        ("<b>Ana</b>", "< or >"),
        ("<script>alert(1)</script>", "< or >"),
        (42, "must be text"),
    ],
)
def test_bad_names_get_bad_name_with_the_reason(raw: object, says: str) -> None:
    with pytest.raises(RoomError) as refused:
        names.clean_name(raw, 40 if "<" in str(raw) else 24)
    assert refused.value.code == "bad_name" and says in refused.value.message


def test_names_are_the_same_whatever_their_case_or_width() -> None:
    assert names.name_key("ANA") == names.name_key("ana") == names.name_key("ＡＮＡ")
    assert names.name_key("Straße") == names.name_key("STRASSE")
    assert names.name_key("Ana") != names.name_key("Ana B")
