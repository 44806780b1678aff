"""The HTTP client of the running bot: python-telegram-bot's requests, made with aiohttp.

python-telegram-bot makes its requests with httpx by default. Under load most of a simple
update's cost is there: for every request, httpcore's pool looks over each connection it keeps
and asks each idle one whether its socket is readable (anyio building a dictionary of
attributes for every question). aiohttp, already the bot's web server library, keeps its idle
connections in a queue per host and costs a fraction of that per request. This is
python-telegram-bot's own extension point (``BaseRequest``); the one-off requests outside
the running application (``one_off_bot``) keep the default.

What a failure says about its request is kept as python-telegram-bot states it for httpx, so
``bot.sending.failures`` can tell "never sent" from "sent, then no answer": a connection that
could not be made (``ClientConnectorError``, a connect timeout) is a ``NetworkError`` or
``TimedOut`` caused by an error in ``NEVER_WRITTEN``; a read timeout is ``TimedOut``; anything
else after the request went out (the connection reset or closed before the answer) is a
``NetworkError`` caused by aiohttp's error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.config import Settings

# The request never left: nothing can have been carried out.
NEVER_WRITTEN: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class AiohttpRequest(BaseRequest):
    """``connection_pool_size`` connections at most; timeouts as python-telegram-bot's
    ``HTTPXRequest`` takes them (seconds, None for none)."""

    def __init__(self, connection_pool_size: int = 1, *, read_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0
                 ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: float | DefaultValue[object] | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | DefaultValue[object] | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | DefaultValue[object] | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | DefaultValue[object] | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (self._connect_timeout if isinstance(connect_timeout, DefaultValue)
                   else connect_timeout)
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp's "connect" is the wait for a pooled connection and the connecting itself.
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=read, sock_connect=connect,
            connect=None if pool is None or connect is None else pool + connect)
        try:
            async with self._session.request(
                    method, url, data=body_of(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Connect timeout: the request was not sent") from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def body_of(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form, as python-telegram-bot sends them with httpx: urlencoded,
    or multipart when there are files."""
    if request_data is None:
        return None
    parameters = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return parameters
    form = aiohttp.FormData()
    for name, value in parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


@asynccontextmanager
async def one_off_bot(settings: Settings) -> AsyncIterator[Bot]:
    """A bot with one connection of its own, for the few requests made outside the running
    application (the check at start, ``setWebhook``, a standby's health check), closed on the
    way out. It is not initialized: nothing is asked of the Bot API until a request is made."""
    request = HTTPXRequest(connection_pool_size=1)
    try:
        yield Bot(settings.token, base_url=settings.telegram_api_url, request=request,
                  get_updates_request=request)
    finally:
        await request.shutdown()
