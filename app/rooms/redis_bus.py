"""RedisBus: the bus across processes and hosts, through one Redis server (`redis.asyncio`).

Each process holds one pub/sub connection, subscribed once to every channel that has a local
subscriber, and fans each message out in-process. Every call is bounded by `timeout`; a Redis
that is down or hangs raises `rooms_unavailable`, and the reader reconnects and subscribes its
channels again by itself when Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from app.rooms.bus import Handler, LocalFanOut, Subscription
from app.rooms.errors import RoomError

log = logging.getLogger("app.rooms")
FAILURES = (RedisError, OSError, TimeoutError)
FIRST_BACKOFF, MAX_BACKOFF = 0.05, 1.0  # seconds between tries after a failure: doubling, capped


class RedisBus:
    """The bus on a Redis server at `url` (redis://host:port/db)."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url, self.timeout = url, timeout
        # One retry, at once, on a fresh connection: after a Redis restart the pooled ones are
        # dead. Past that a failure is reported (and every call is bounded by `timeout`).
        self.redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self.fan_out = LocalFanOut()
        self.connected = asyncio.Event()  # the reader's subscriptions are in place
        self.connections = 0  # times the reader (re)established its subscriptions
        self._reconnected: list[Callable[[], None]] = []
        self.dropped_offers = 0  # frames that could not go out
        self.failed_sends = 0  # batches that could not go out
        self._alive = f"bus:{secrets.token_hex(6)}:alive"  # keeps the reader's connection in use
        self._pubsub: Any = None
        self._outgoing: dict[str, bytes] = {}
        self._outgoing_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._read_loop(), name="rooms-redis-reader"),
                asyncio.create_task(self._send_loop(), name="rooms-redis-sender"),
            ]

    async def close(self) -> None:
        if self._closing:
            return
        # redis-py may swallow a cancellation that lands in its own read timeout: the loops
        # also stop on this flag, and dropping the connection wakes the reader.
        self._closing = True
        self.connected.clear()  # (un)subscribing from here on is the fan-out's alone
        for task in self._tasks:
            task.cancel()
        await self._drop_pubsub()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2 * self.timeout)
        self._tasks = []
        self.fan_out = LocalFanOut()
        await self.redis.aclose()

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """Any failure or a wait past `timeout` becomes `rooms_unavailable`."""
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except FAILURES as problem:
            raise RoomError(
                "rooms_unavailable",
                f"the rooms' Redis at {self._where()} cannot be reached ({type(problem).__name__});"
                " your own session carries on, and the room comes back with Redis",
            ) from problem

    def _where(self) -> str:
        kwargs = self.redis.connection_pool.connection_kwargs
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"

    # ---- channels ----

    async def publish(self, channel: str, payload: bytes) -> None:
        async with self._bounded():
            await self.redis.publish(channel, payload)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._reconnected.append(callback)

    def offer(self, channel: str, payload: bytes) -> None:
        if channel in self._outgoing:
            self.dropped_offers += 1  # replaced before it went out
        self._outgoing[channel] = payload
        self._outgoing_ready.set()

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        subscription, first = self.fan_out.add(channel, handler)
        pubsub = self._pubsub if self.connected.is_set() else None
        if first and pubsub is not None:
            # On failure the reader notices too, reconnects and subscribes every channel.
            with contextlib.suppress(RoomError):
                async with self._bounded():
                    await pubsub.subscribe(channel)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        pubsub = self._pubsub if self.connected.is_set() else None
        if self.fan_out.remove(subscription) and pubsub is not None:
            with contextlib.suppress(RoomError):  # a reconnection forgets it anyway
                async with self._bounded():
                    await pubsub.unsubscribe(subscription.channel)

    async def _read_loop(self) -> None:
        backoff = FIRST_BACKOFF
        while not self._closing:
            try:
                await self._connect_pubsub()
                backoff = FIRST_BACKOFF
                await self._read_messages()
            except Exception as problem:  # logged; the reader must survive anything
                if self._closing:
                    return
                if self.connected.is_set() or not isinstance(problem, FAILURES):
                    unexpected = not isinstance(problem, FAILURES)
                    where = self._where()
                    log.warning("rooms: Redis at %s lost (%r)", where, problem, exc_info=unexpected)
            self.connected.clear()
            await self._drop_pubsub()
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _connect_pubsub(self) -> None:
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        async with asyncio.timeout(self.timeout):
            # Channels subscribed from here on go to the new connection as well as this list.
            await self._pubsub.subscribe(self._alive, *self.fan_out.channels())
        self.connections += 1
        self.connected.set()
        if self.connections > 1:
            log.warning("rooms: Redis at %s is back", self._where())
            for callback in self._reconnected:
                callback()

    async def _read_messages(self) -> None:
        """Deliver messages; a silent connection is pinged, and one that does not answer fails."""
        heard = time.monotonic()
        pinged = False
        while not self._closing:
            message = await self._pubsub.get_message(timeout=self.timeout)
            now = time.monotonic()
            if message is None:
                if now - heard > 2 * self.timeout:
                    raise TimeoutError("Redis did not answer a ping")
                if not pinged:
                    await self._pubsub.ping()
                    pinged = True
                continue
            heard, pinged = now, False
            if message["type"] == "message":
                channel = message["channel"].decode()
                self.fan_out.deliver(channel, message["data"])

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*FAILURES):
                await pubsub.aclose()

    async def _send_loop(self) -> None:
        """Publish offered frames in one pipeline per wake-up; a failed batch is dropped, and
        the next waits a while (backing off): with Redis away, trying at every frame offered
        cost a worker half a core in refused connections."""
        backoff = 0.0
        while not self._closing:
            await self._outgoing_ready.wait()
            self._outgoing_ready.clear()
            batch, self._outgoing = self._outgoing, {}
            try:
                async with asyncio.timeout(self.timeout):
                    async with self.redis.pipeline(transaction=False) as pipe:
                        for channel, payload in batch.items():
                            pipe.publish(channel, payload)
                        await pipe.execute()
                backoff = 0.0
            except FAILURES:
                self.dropped_offers += len(batch)
                self.failed_sends += 1
                backoff = min(MAX_BACKOFF, 2 * backoff) if backoff else FIRST_BACKOFF
                await asyncio.sleep(backoff)  # offers meanwhile replace each other per channel

    # ---- state ----

    async def hget(self, key: str, field: str) -> bytes | None:
        async with self._bounded():
            value = await self.redis.hget(key, field)
        return None if value is None else _bytes(value)

    async def hgetall(self, key: str) -> dict[str, bytes]:
        async with self._bounded():
            values = await self.redis.hgetall(key)
        return {_text(field): _bytes(value) for field, value in values.items()}

    async def hset(self, key: str, values: Mapping[str, bytes]) -> None:
        async with self._bounded():
            await self.redis.hset(key, mapping=dict[Any, Any](values))

    async def hsetnx(self, key: str, field: str, value: bytes) -> bool:
        async with self._bounded():
            return bool(await self.redis.hsetnx(key, field, value))

    async def hdel(self, key: str, *fields: str) -> None:
        async with self._bounded():
            await self.redis.hdel(key, *fields)

    async def hincrby(self, key: str, field: str, amount: int) -> int:
        async with self._bounded():
            return int(await self.redis.hincrby(key, field, amount))

    async def incr(self, key: str, ttl_seconds: int) -> int:
        async with self._bounded(), self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def expire(self, keys: Sequence[str], seconds: int) -> None:
        async with self._bounded(), self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.expire(key, seconds)
            await pipe.execute()

    async def delete(self, *keys: str) -> None:
        if keys:
            async with self._bounded():
                await self.redis.delete(*keys)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value  # str only with decode_responses
