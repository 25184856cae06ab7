"""The bus: the one interface the room service needs, in memory (one process) or Redis (many).

Two halves, as in Redis itself: channels (publish bytes to whoever subscribed in any process)
and state (hashes of bytes and counters, with an expiry). Each process fans a channel's message
out to its own subscribers: one delivery from Redis per channel per process, however many
members listen, and the same bytes object to each of them (a frame is encoded once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("app.rooms")

Handler = Callable[[bytes], None]  # must not block: store the payload and return


@dataclass(eq=False)
class Subscription:
    """One local handler on one channel; pass it back to `unsubscribe`."""

    channel: str
    handler: Handler


class Bus(Protocol):
    """Channels and state shared by every process serving the rooms."""

    async def start(self) -> None:
        """Connect and start the background tasks (idempotent)."""

    async def close(self) -> None:
        """Stop the background tasks and drop every subscription."""

    # ---- channels ----

    async def publish(self, channel: str, payload: bytes) -> None:
        """Deliver to every subscriber of `channel` in every process (raises when unreachable)."""

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback()` each time the store comes back after a loss (it may be empty)."""

    def offer(self, channel: str, payload: bytes) -> None:
        """Publish without waiting, newest wins: a frame that cannot go now is replaced by the next."""

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """Call `handler(payload)` for each message; kept (and re-established) until unsubscribed."""

    async def unsubscribe(self, subscription: Subscription) -> None:
        """Stop one handler; the process leaves the channel with its last one."""

    # ---- state ----

    async def hget(self, key: str, field: str) -> bytes | None: ...

    async def hgetall(self, key: str) -> dict[str, bytes]: ...

    async def hset(self, key: str, values: Mapping[str, bytes]) -> None: ...

    async def hsetnx(self, key: str, field: str, value: bytes) -> bool:
        """Set `field` only if it is absent; True when this call set it (atomic)."""

    async def hdel(self, key: str, *fields: str) -> None: ...

    async def hincrby(self, key: str, field: str, amount: int) -> int:
        """Add `amount` to an integer field (0 when absent) and return the new value (atomic)."""

    async def incr(self, key: str, ttl_seconds: int) -> int:
        """Add 1 to a counter that disappears `ttl_seconds` after its first increment."""

    async def expire(self, keys: Sequence[str], seconds: int) -> None:
        """Delete each key (if it exists) `seconds` from now."""

    async def delete(self, *keys: str) -> None: ...


class LocalFanOut:
    """This process's subscribers by channel; both buses deliver through it."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, list[Subscription]] = {}

    def add(self, channel: str, handler: Handler) -> tuple[Subscription, bool]:
        """Register a handler; True when it is the channel's first here."""
        subscription = Subscription(channel, handler)
        handlers = self.subscriptions.setdefault(channel, [])
        handlers.append(subscription)
        return subscription, len(handlers) == 1

    def remove(self, subscription: Subscription) -> bool:
        """Unregister; True when the channel has no handler left here."""
        handlers = self.subscriptions.get(subscription.channel, [])
        if subscription in handlers:
            handlers.remove(subscription)
        if handlers:
            return False
        self.subscriptions.pop(subscription.channel, None)
        return True

    def deliver(self, channel: str, payload: bytes) -> None:
        for subscription in tuple(self.subscriptions.get(channel, ())):  # handlers may unsubscribe
            try:
                subscription.handler(payload)
            except Exception:  # one member's bug never reaches the others
                log.exception("room subscriber on %s failed", channel)

    def channels(self) -> list[str]:
        return list(self.subscriptions)
