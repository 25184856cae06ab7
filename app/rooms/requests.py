"""Requests to whichever process holds a session: the network for adopt and fork, with a reply.

A request goes out on the room's control channel; the process holding the target's session
answers on the asker's own reply channel (one per process); no answer in room_reply_seconds is
`no_reply`.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

import orjson

from app.rooms.bus import Subscription
from app.rooms.errors import RoomError
from app.rooms.models import JSON, NetworkProvider, RoomKeys

if TYPE_CHECKING:
    from app.rooms.core import LocalRoom, RoomCore

REPLIES = "replies:"  # + the asking process's id: its reply channel


class Requests:
    """This process's questions in flight, and its answers for its own members' sessions."""

    def __init__(self, service: RoomCore) -> None:
        self.service = service
        self.id = secrets.token_hex(6)
        self._pending: dict[str, asyncio.Future[JSON]] = {}
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.service.bus.subscribe(REPLIES + self.id, self.on_reply)

    async def ask(self, keys: RoomKeys, target: str, who: str) -> JSON:
        """Ask the session of `target` ("teacher" or a student id) for its network."""
        request_id = secrets.token_hex(8)
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        request = {"kind": "request", "id": request_id, "target": target}
        try:
            await self.service.bus.publish(
                keys.control, orjson.dumps(request | {"reply_to": self.id})
            )
            async with asyncio.timeout(self.service.settings.room_reply_seconds):
                reply = await future
        except TimeoutError:
            seconds = self.service.settings.room_reply_seconds
            raise RoomError("no_reply", f"{who} did not answer within {seconds:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        if not reply["ok"]:
            raise RoomError(reply["code"], reply["message"])
        network: JSON = reply["network"]
        return network

    def on_request(self, room: LocalRoom, request: JSON) -> None:
        target = request["target"]
        for member in room.members:
            if target == "teacher":
                is_target = member.role == "teacher"
            else:
                is_target = member.student_id == target
            if is_target and member.network is not None and member.closed is None:
                self.service.spawn(self.answer(member.network, request))
                return

    async def answer(self, network: NetworkProvider, request: JSON) -> None:
        reply: JSON = {"id": request["id"], "ok": True}
        try:
            async with asyncio.timeout(self.service.settings.room_reply_seconds):
                payload = self.service.dumps(reply | {"network": await network()}, "network")
        except RoomError as problem:
            payload = orjson.dumps(reply | {"ok": False, **problem.to_dict()})
        except Exception as problem:  # noqa: BLE001 - the session's failure, told to the asker
            message = f"the session could not give its network ({type(problem).__name__})"
            payload = orjson.dumps(reply | {"ok": False, "code": "no_reply", "message": message})
        await self.service.bus.publish(REPLIES + request["reply_to"], payload)

    def on_reply(self, payload: bytes) -> None:
        reply = orjson.loads(payload)
        future = self._pending.get(reply.get("id", ""))
        if future is not None and not future.done():
            future.set_result(reply)
