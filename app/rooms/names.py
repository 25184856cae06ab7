"""Room codes, secret tokens and display names: made and checked here, nowhere else."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from app.rooms.errors import RoomError

# No 0/O, 1/I/L or U/V: a code read off a projector is typed right first time.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 6
# Categories refused in a name: control, format (bidi overrides, zero-width), surrogate, private
# use, unassigned, line and paragraph separators.
REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
EMOJI_JOINERS = {"\u200c", "\u200d"}  # format characters that emoji sequences need
MARKUP = re.compile(r"[<>]")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What the student typed, as a stored code: upper case, spaces and dashes dropped."""
    return re.sub(r"[\s-]", "", text).upper()


def check_code(text: str) -> str:
    """A well-formed code, or `room_not_found` naming what was received."""
    code = normalize_code(text)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise RoomError("room_not_found", f"no room has the code {text[:20]!r}")
    return code


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    """What is stored in place of a token: its SHA-256 (a token is random: no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented token with a stored digest."""
    return hmac.compare_digest(digest(secret).encode(), stored_digest.encode())


def clean_name(raw: object, max_chars: int) -> str:
    """The display name as shown: NFC, trimmed, spaces made one; or `bad_name` saying why."""
    if not isinstance(raw, str):
        raise RoomError("bad_name", "the name must be text")
    name = unicodedata.normalize("NFC", raw).strip()  # a pasted name's newline goes
    for char in name:
        if unicodedata.category(char) in REFUSED_CATEGORIES and char not in EMOJI_JOINERS:
            raise RoomError(
                "bad_name", f"the name holds the control character U+{ord(char):04X}; remove it"
            )
    name = " ".join(name.split())
    if not name:
        raise RoomError("bad_name", "the name is empty; type the name the class should see")
    if len(name) > max_chars:
        raise RoomError("bad_name", f"the name has {len(name)} characters; at most {max_chars}")
    if MARKUP.search(name):
        raise RoomError("bad_name", "the name holds < or >; names are plain text, not markup")
    return name


def name_key(name: str) -> str:
    """Two names are the same name when their keys are equal (case and width folded)."""
    return unicodedata.normalize("NFKC", name).casefold()
