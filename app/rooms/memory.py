"""MemoryBus: the bus for one process (`make run`): dicts and direct delivery, nothing to start."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from app.rooms.bus import Handler, LocalFanOut, Subscription


class MemoryBus:
    """Redis's semantics for the few commands the rooms use, in this process's memory.

    `clock` (seconds) decides expiry, so tests can move time on instead of waiting.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.fan_out = LocalFanOut()
        self._hashes: dict[str, dict[str, bytes]] = {}
        self._counters: dict[str, int] = {}
        self._deadlines: dict[str, float] = {}

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self.fan_out = LocalFanOut()

    # ---- channels: delivered at once, to a snapshot of the subscribers ----

    async def publish(self, channel: str, payload: bytes) -> None:
        self.fan_out.deliver(channel, payload)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        pass  # never disconnected

    def offer(self, channel: str, payload: bytes) -> None:
        self.fan_out.deliver(channel, payload)

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        return self.fan_out.add(channel, handler)[0]

    async def unsubscribe(self, subscription: Subscription) -> None:
        self.fan_out.remove(subscription)

    # ---- state ----

    def _expired(self, key: str) -> bool:
        deadline = self._deadlines.get(key)
        if deadline is None or self.clock() < deadline:
            return False
        self._forget(key)
        return True

    def _forget(self, key: str) -> None:
        self._hashes.pop(key, None)
        self._counters.pop(key, None)
        self._deadlines.pop(key, None)

    def _hash(self, key: str) -> dict[str, bytes]:
        self._expired(key)
        return self._hashes.setdefault(key, {})

    async def hget(self, key: str, field: str) -> bytes | None:
        return None if self._expired(key) else self._hashes.get(key, {}).get(field)

    async def hgetall(self, key: str) -> dict[str, bytes]:
        return {} if self._expired(key) else dict(self._hashes.get(key, {}))

    async def hset(self, key: str, values: Mapping[str, bytes]) -> None:
        self._hash(key).update(values)

    async def hsetnx(self, key: str, field: str, value: bytes) -> bool:
        values = self._hash(key)
        if field in values:
            return False
        values[field] = value
        return True

    async def hdel(self, key: str, *fields: str) -> None:
        values = self._hash(key)
        for field in fields:
            values.pop(field, None)
        if not values:
            self._forget(key)  # Redis deletes an emptied hash, and its expiry with it

    async def hincrby(self, key: str, field: str, amount: int) -> int:
        values = self._hash(key)
        value = int(values.get(field, b"0")) + amount
        values[field] = str(value).encode()
        return value

    async def incr(self, key: str, ttl_seconds: int) -> int:
        if self._expired(key) or key not in self._counters:
            self._counters[key] = 0
            self._deadlines[key] = self.clock() + ttl_seconds
        self._counters[key] += 1
        return self._counters[key]

    async def expire(self, keys: Sequence[str], seconds: int) -> None:
        for key in keys:
            if not self._expired(key) and (key in self._hashes or key in self._counters):
                self._deadlines[key] = self.clock() + seconds

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._forget(key)
