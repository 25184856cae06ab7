"""Read the JSDoc `@typedef {{...}} Name` object types of a JS file: {name: [alternatives]}.

Each alternative of a typedef (`{...} | {...}`) is a dict of its top-level keys to
(type text, optional?), e.g. `{type: 'step', epochs?: number}` ->
{"type": ("'step'", False), "epochs": ("number", True)}. Enough of JSDoc for protocol.js.
"""

from __future__ import annotations

import re

Fields = dict[str, tuple[str, bool]]


def _comment_text(source: str) -> str:
    """The text of every /** ... */ block, without the leading ` * ` of each line."""
    blocks = re.findall(r"/\*\*(.*?)\*/", source, flags=re.DOTALL)
    lines = [re.sub(r"^\s*\* ?", "", line) for block in blocks for line in block.splitlines()]
    return "\n".join(lines)


def _split_top(text: str, separator: str) -> list[str]:
    """Split on `separator` outside any brackets, braces, parentheses, <> or quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "{[(<":
            depth += 1
        elif char in "}])>" and not (char == ">" and text[index - 1] == "="):
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _balanced(text: str, start: int) -> int:
    """Index just past the brace that closes the one at `start`."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise ValueError(f"unbalanced braces from {text[start : start + 40]!r}")


def _fields(literal: str) -> Fields:
    """{key: type, key?: type} -> {key: (type, optional)}."""
    fields: Fields = {}
    for entry in _split_top(literal.strip()[1:-1], ","):
        key, _, kind = entry.partition(":")
        key = key.strip()
        fields[key.rstrip("?")] = (kind.strip(), key.endswith("?"))
    return fields


def typedefs(source: str) -> dict[str, list[Fields]]:
    """Every object typedef in `source`: name -> the fields of each alternative."""
    text = _comment_text(source)
    found: dict[str, list[Fields]] = {}
    for match in re.finditer(r"@typedef\s*\{", text):
        open_brace = match.end() - 1
        close = _balanced(text, open_brace)
        name_match = re.match(r"\s*(\w+)", text[close:])
        if name_match is None:
            raise ValueError(f"typedef without a name near {text[open_brace : open_brace + 60]!r}")
        expression = text[open_brace + 1 : close - 1].strip()
        alternatives = [alt for alt in _split_top(expression, "|") if alt.startswith("{")]
        found[name_match.group(1)] = [_fields(alt) for alt in alternatives]
    return found
