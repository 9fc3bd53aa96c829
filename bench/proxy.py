"""A TCP proxy in front of MongoDB that counts the commands clients send through it,
and can replay answers to reads it has already seen.

Counting on the wire needs no change to the app: every database round trip is one
OP_MSG from the driver, whose first BSON key names the command. The driver's own
monitoring (`hello` heartbeats) and handshake are not counted: no request asked for them.

Replay exists because the embedded SecantusDB reads a whole collection for every query
(no index-bounded scan: a feed page costs it ~300 ms where MongoDB reads 21 documents).
With `replaying` on, a read the proxy has answered before (same command, same arguments)
gets the same bytes back at once, so the servers under test run as fast as a real
MongoDB would let them: their CPU per request is then their own, hot, not inflated by
hundreds of idle milliseconds per request. Every round trip still happens and is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import bson

T = TypeVar("T")

OP_MSG = 2013
OP_COMPRESSED = 2012
MORE_TO_COME = 1 << 1
EXHAUST_ALLOWED = 1 << 16
_HEADER = struct.Struct("<iiii")
NOT_REQUESTS = frozenset({"hello", "isMaster", "ismaster", "endSessions", "saslStart"})
REPLAYABLE = frozenset({"find", "aggregate"})
# Per-call fields that change between identical reads.
_VOLATILE = ("lsid", "$clusterTime", "txnNumber", "$readPreference")


def _body(message: bytes) -> tuple[int, memoryview | None]:
    """(flag bits, the body document) of an OP_MSG; no body for other opcodes."""
    _, _, _, opcode = _HEADER.unpack_from(message)
    if opcode != OP_MSG:
        return 0, None
    (flags,) = struct.unpack_from("<I", message, _HEADER.size)
    position = _HEADER.size + 4
    view = memoryview(message)
    while position < len(message):
        kind = message[position]
        position += 1
        (size,) = struct.unpack_from("<i", message, position)
        if kind == 0:
            return flags, view[position : position + size]
        position += size  # kind 1: a document sequence
    return flags, None


def command_name(message: bytes) -> str | None:
    """The command an OP_MSG carries: the first key of its body (section kind 0)."""
    if _HEADER.unpack_from(message)[3] == OP_COMPRESSED:
        return "<compressed>"
    _, body = _body(message)
    if body is None:
        return None  # the legacy OP_QUERY handshake
    end = bytes(body[5:]).index(b"\x00") + 5
    return bytes(body[5:end]).decode()


TOKEN_CHECK = "find users (token version)"  # noqa: S105 - a label, not a secret
AUDIENCE_READ = "aggregate users (audience)"


# What the index audit reads (tests/support/index_audit.py): the commands with a filter.
AUDITED = frozenset({"find", "aggregate", "update", "delete", "findAndModify", "count", "distinct"})
# Of each kind of command (its label), the first ones and then every power-of-two-th:
# every shape a scenario sends is kept, memory stays bounded however long the run.
_SAMPLE_FIRST = 64


def _sampled(count: int) -> bool:
    return count <= _SAMPLE_FIRST or count & (count - 1) == 0


def label(name: str, command: dict[str, Any] | None) -> str:
    """`command collection`, e.g. "aggregate videos"; the API's token-version lookup
    (workflows/token_versions.py) and the viewer's audience (workflows/audiences.py),
    both cached per user, are told apart from other reads of users."""
    if command is None:
        return name
    collection = command.get(name)
    if not isinstance(collection, str):
        return name
    projection = command.get("projection") or {}
    if name == "find" and collection == "users" and set(projection) == {"token_version"}:
        return TOKEN_CHECK
    if name == "aggregate" and collection == "users" and _reads_blocks(command):
        return AUDIENCE_READ
    return f"{name} {collection}"


def _reads_blocks(command: dict[str, Any]) -> bool:
    """An aggregation with a `$lookup` into `blocks`: on `users`, the audience read."""
    stages = command.get("pipeline") or []
    return any((stage.get("$lookup") or {}).get("from") == "blocks" for stage in stages)


def _replay_key(body: memoryview) -> bytes:
    command: dict[str, Any] = bson.decode(body)
    for name in _VOLATILE:
        command.pop(name, None)
    return bson.encode(command)


def _complete_read(response: bytes) -> bool:
    """A successful read whose cursor is exhausted: safe to answer again verbatim."""
    _, body = _body(response)
    if body is None:
        return False
    reply = bson.decode(body)
    cursor = reply.get("cursor") or {}
    return reply.get("ok") == 1 and cursor.get("id", 0) == 0


class CountingProxy:
    """Listen on a loopback port, forward to `upstream`, count commands by name."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts: Counter[str] = Counter()
        # (label, command) of a sample of what was sent, for the index audit.
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.replaying = False
        self.replayed = 0
        self._answers: dict[bytes, bytes] = {}
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mongo-proxy", daemon=True)

    # --- lifecycle (called from the orchestrator's thread) -------------------------

    def start(self) -> int:
        self._thread.start()
        self._ready.wait(timeout=10)
        return self.port

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _on_proxy_thread(self, read: Callable[[], T]) -> T:
        """`read()` run on the proxy's own thread, so it never races a count."""

        async def run() -> T:
            return read()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=5)

    def snapshot(self) -> Counter[str]:
        return self._on_proxy_thread(lambda: Counter(self.counts))

    def sample(self) -> list[tuple[str, dict[str, Any]]]:
        """The commands kept for the index audit."""
        return self._on_proxy_thread(lambda: list(self.sent))

    def replay(self, on: bool) -> None:
        """Turn replay on or off; turning it off forgets every answer."""

        async def switch() -> None:
            self.replaying = on
            if not on:
                self._answers.clear()

        asyncio.run_coroutine_threadsafe(switch(), self._loop).result(timeout=5)

    # --- the proxy itself (its own thread and event loop) --------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        # Stopped: end the connections (each closes its sockets as it unwinds), then the
        # listening socket and the loop, so that nothing is left for the GC to close.
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        try:
            await self._exchange(reader, writer, up_reader, up_writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for w in (writer, up_writer):
                with contextlib.suppress(Exception):
                    w.close()

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        """One request, one answer, in turn (the driver's protocol outside monitoring)."""
        while True:
            message = await _read_message(reader)
            name = command_name(message)
            flags, body = _body(message)
            if name is not None and name not in NOT_REQUESTS:
                command = None if body is None else bson.decode(body)
                kind = label(name, command)
                self.counts[kind] += 1
                if command is not None and name in AUDITED and _sampled(self.counts[kind]):
                    self.sent.append((kind, command))
            if flags & EXHAUST_ALLOWED:
                # A streaming `hello` (server monitoring): answers come unasked from
                # now on, so this connection becomes a plain pipe.
                up_writer.write(message)
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                return
            if flags & MORE_TO_COME:  # an unacknowledged write: no answer will come
                up_writer.write(message)
                await up_writer.drain()
                continue
            key = _replay_key(body) if body is not None and name in REPLAYABLE else None
            if key is not None and self.replaying and key in self._answers:
                self.replayed += 1
                writer.write(_answering(self._answers[key], message))
                await writer.drain()
                continue
            up_writer.write(message)
            await up_writer.drain()
            answer = await _read_message(up_reader)
            if key is not None and self.replaying and _complete_read(answer):
                self._answers[key] = answer
            writer.write(answer)
            await writer.drain()


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readexactly(4)
    (length,) = struct.unpack("<i", header)
    return header + await reader.readexactly(length - 4)


def _answering(answer: bytes, request: bytes) -> bytes:
    """`answer` re-addressed to `request` (its responseTo set to the request's id)."""
    request_id = request[4:8]
    return answer[:8] + request_id + answer[12:]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    writer.close()
