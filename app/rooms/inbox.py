"""A member's inboxes: what the room delivers, kept until the member's socket takes it.

Delivery (`put`) never waits: a slow reader gets fewer frames (only the newest is kept), never a
backlog, so it cannot hold up the publisher or the other members. `notify`, when given, is
called after each delivery (the socket layer passes its sender's `ready.set`); `get()` waits.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")
Notify = Callable[[], None]


class _Inbox:
    def __init__(self, notify: Notify | None) -> None:
        self.notify = notify
        self.received = 0  # deliveries, kept or since replaced
        self._ready = asyncio.Event()

    def _delivered(self) -> None:
        self.received += 1
        self._ready.set()
        if self.notify is not None:
            self.notify()

    async def _wait(self) -> None:
        await self._ready.wait()
        self._ready.clear()


class Latest(_Inbox, Generic[T]):
    """Only the newest item (frames): each put replaces the one not yet taken."""

    def __init__(self, notify: Notify | None = None) -> None:
        super().__init__(notify)
        self._item: T | None = None

    def put(self, item: T) -> None:
        self._item = item
        self._delivered()

    def take(self) -> T | None:
        """The newest item not yet taken, or None."""
        item, self._item = self._item, None
        return item

    async def get(self) -> T:
        """Wait for an item and take it."""
        while self._item is None:
            await self._wait()
        item, self._item = self._item, None
        return item


class Mailbox(_Inbox, Generic[T]):
    """Every item in order (room events), at most `limit`: past it the oldest are dropped."""

    def __init__(self, notify: Notify | None = None, limit: int = 1000) -> None:
        super().__init__(notify)
        self._items: collections.deque[T] = collections.deque(maxlen=limit)
        self.dropped = 0  # a reader this far behind should be disconnected by its owner

    def put(self, item: T) -> None:
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(item)
        self._delivered()

    def take_all(self) -> list[T]:
        items = list(self._items)
        self._items.clear()
        return items

    async def get(self) -> T:
        while not self._items:
            await self._wait()
        return self._items.popleft()


class Keyed(_Inbox, Generic[K, T]):
    """The newest item per key (the gallery: one entry per student)."""

    def __init__(self, notify: Notify | None = None) -> None:
        super().__init__(notify)
        self._items: dict[K, T] = {}

    def put(self, key: K, item: T) -> None:
        self._items.pop(key, None)  # re-inserted last: take_all lists oldest changes first
        self._items[key] = item
        self._delivered()

    def take_all(self) -> dict[K, T]:
        items, self._items = self._items, {}
        return items

    async def get_all(self) -> dict[K, T]:
        while not self._items:
            await self._wait()
        return self.take_all()
