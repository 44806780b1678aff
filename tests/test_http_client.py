"""The running bot's HTTP client (bot/sending/http.py) against real sockets: what each way of
failing says about the request, as ``bot.sending.failures`` reads it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.sending.failures import Failure, classify
from bot.sending.http import AiohttpRequest
from tests.harness import free_port

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def server(serve: Serve) -> AsyncIterator[str]:
    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot123:abc/sendMessage"
    finally:
        listening.close()


@contextlib.asynccontextmanager
async def client(**timeouts: float) -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(2, **timeouts)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return await reader.readexactly(length)


def message(text: str) -> RequestData:
    return RequestData([RequestParameter.from_input("chat_id", 42),
                        RequestParameter.from_input("text", text)])


async def test_an_answer_comes_back_and_the_parameters_went_as_a_form() -> None:
    bodies: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        bodies.append(await read_request(reader))
        payload = b'{"ok":true,"result":true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload))
        await writer.drain()
        writer.close()

    async with server(answer) as url, client() as request:
        status, payload = await request.do_request(url, "POST", message("Hi, Ann & co"))
    assert (status, payload) == (200, b'{"ok":true,"result":true}')
    assert bodies == [b"chat_id=42&text=Hi%2C+Ann+%26+co"]


async def test_a_connection_refused_was_never_sent() -> None:
    async with client() as request:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot1:a/sendMessage",
                                     "POST", message("hello"))
    assert classify(caught.value) is Failure.NOT_SENT


async def test_a_connection_closed_after_the_request_may_have_been_carried_out() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with server(hang_up) as url, client() as request:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(url, "POST", message("hello"))
    assert not isinstance(caught.value, TimedOut)
    assert classify(caught.value) is Failure.MAYBE_SENT


async def test_no_answer_in_time_may_have_been_carried_out() -> None:
    async def keep_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # until the client gives up and hangs up
        writer.close()

    async with server(keep_silent) as url, client(read_timeout=0.2) as request:
        with pytest.raises(TimedOut) as caught:
            await request.do_request(url, "POST", message("hello"))
    assert classify(caught.value) is Failure.MAYBE_SENT


async def test_a_request_before_initialize_is_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:1/x", "POST")
