"""static/js/protocol.js's typedefs mirror app/protocol.py's models, field by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
from jsdoc import Fields, typedefs
from pydantic import BaseModel

from app import protocol, room_messages, session_config
from app.config import Settings
from app.rooms.challenge import ChallengeSpec
from app.session import Session

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "static" / "js" / "protocol.js").read_text()
TYPEDEFS = typedefs(SOURCE)
CLIENT_MODELS: list[type[BaseModel]] = list(get_args(get_args(protocol.ClientMessage)[0]))
# Server -> client messages and the structures inside them: typedef name -> model.
SERVER_MODELS: dict[str, type[BaseModel]] = {
    "DenseWeights": protocol.DenseWeights,
    "Config": session_config.Config,
    "LayerSpec": session_config.LayerSpec,
    "ConfigMessage": protocol.ConfigMessage,
    "DataMessage": protocol.DataMessage,
    "Status": protocol.Status,
    "Divergence": protocol.Divergence,
    "Change": protocol.Change,
    "ErrorMessage": protocol.ErrorMessage,
    "Block": protocol.Block,
    "FrameHeader": protocol.FrameHeader,
    "Stopped": protocol.Stopped,
    "ExportMessage": protocol.ExportMessage,
    "Marker": protocol.Marker,
    "HistoryMessage": protocol.HistoryMessage,
    "Metrics": protocol.Metrics,
    "ChallengeSpec": ChallengeSpec,
    **{model.__name__: model for model in room_messages.ROOM_SERVER_MESSAGES},
    "Share": room_messages.Share,
    "ChallengeInfo": room_messages.ChallengeInfo,
    "SpotlightInfo": room_messages.SpotlightInfo,
    "LeaderboardRow": room_messages.LeaderboardRow,
    "Thumbnail": room_messages.Thumbnail,
    "GalleryTile": room_messages.GalleryTile,
}


def message_type(model: type[BaseModel]) -> str:
    (tag,) = get_args(model.model_fields["type"].annotation)
    return str(tag)


def typedef_for_type(tag: str) -> Fields:
    """The one typedef alternative whose `type` is the literal `tag`."""
    matches = [
        fields
        for alternatives in TYPEDEFS.values()
        for fields in alternatives
        if fields.get("type", ("", False))[0] in (f"'{tag}'", f'"{tag}"')
        and not _is_server_hello(fields)
    ]
    assert len(matches) == 1, f"protocol.js has {len(matches)} typedefs with type {tag!r}"
    return matches[0]


def _is_server_hello(fields: Fields) -> bool:
    # the server's hello and export answer share the client's type tags
    return "session" in fields or "filename" in fields


def test_the_parser_reads_unions_and_optional_keys() -> None:
    parsed = typedefs(
        "/**\n * @typedef {{type: 'a', b?: {c: number, d: string}} | {type: 'e'}} X\n */"
    )
    assert parsed == {"X": [{"type": ("'a'", False), "b": ("{c: number, d: string}", True)},
                            {"type": ("'e'", False)}]}  # fmt: skip


@pytest.mark.parametrize("model", CLIENT_MODELS, ids=message_type)
def test_each_client_message_has_a_typedef_with_its_fields(model: type[BaseModel]) -> None:
    fields = typedef_for_type(message_type(model))
    assert set(fields) == set(model.model_fields), model.__name__
    for name, info in model.model_fields.items():
        # The page may leave out exactly the fields the server defaults.
        assert fields[name][1] == (not info.is_required()), f"{model.__name__}.{name} optional?"


@pytest.mark.parametrize("name", sorted(SERVER_MODELS))
def test_each_server_structure_has_a_typedef_with_its_fields(name: str) -> None:
    (fields,) = TYPEDEFS[name]
    assert set(fields) == set(SERVER_MODELS[name].model_fields), name


def test_the_server_hello_typedef_has_what_the_session_sends() -> None:
    hello: dict[str, Any] = Session(Settings()).greeting()[0]
    (fields,) = TYPEDEFS["ServerHello"]
    assert set(fields) == set(hello)
    assert set(TYPEDEFS["Config"][0]) == set(hello["config"])


def test_the_version_matches() -> None:
    assert f"PROTOCOL_VERSION = {protocol.PROTOCOL_VERSION};" in SOURCE
