"""A Telegram Bot API server on 127.0.0.1.

It is what the tests and ``backcoach demo`` talk to instead of Telegram: the real bot
(python-telegram-bot and its HTTP client, polling or taking a webhook) talks HTTP to this
aiohttp server, which speaks the Bot API's JSON shapes and its real error texts. A test or the
demo acts as a user (user.py): it queues updates (messages, button presses) and reads, in
order, what the bot did in a chat.

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        app.add_handler(CommandHandler("start", start))
        await app.initialize(); await app.start(); await app.updater.start_polling(poll_interval=0)
        ann = api.user(42, first_name="Ann")
        await ann.send("/start")
        msg = await ann.expect("welcome")                # next bot event whose text contains it
        await ann.press("Yes")                           # inline button on the newest keyboard
        assert (await ann.expect(kind="edit")).buttons == []
        await app.updater.stop(); await app.stop(); await app.shutdown()

Covered methods: getMe, getUpdates (offset/limit/long poll/allowed_updates), setWebhook,
getWebhookInfo and deleteWebhook (updates then posted to the bot: webhook.py),
set/get/deleteMyCommands, sendMessage, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendChatAction, sendPhoto,
sendDocument, sendVoice, sendAnimation (+ a few setters that just return true).
parse_mode="HTML" is rendered (plain text + entities, bad tags give Telegram's "can't parse
entities"); other parse modes are kept verbatim.  Faults: fail_next(), block()/unblock(),
set_rate_limit(), and outage()/end_outage() for a Bot API that stops answering (hangs, resets
the connection after carrying a request out, or answers 502).  Chats the bot writes to are
created on the fly (chat id == user id, private); a second concurrent getUpdates ends the
first with 409 Conflict, as on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.fakeapi.formats import (
    ApiError,
    HtmlRenderer,
    JsonDict,
    bad,
    checked_markup,
    decode,
    image_size,
    utf16_len,
)
from bot.fakeapi.records import WAIT_SECONDS, ApiCall, BotEvent, Chat, Params, Upload
from bot.fakeapi.user import FakeUser
from bot.fakeapi.webhook import WebhookDelivery, WebhookRefused, checked

# ----------------------------------------------------------------------------- records


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_RATE_LIMITED = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAnimation", "editMessageText",
     "editMessageReplyMarkup"}
)
_TO_CHAT = _RATE_LIMITED | {"sendChatAction", "editMessageCaption"}  # blocked users refuse these



@dataclass
class _Fault:
    method: str
    code: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


OUTAGE_MODES = ("hang", "reset", "error")
_GAVE_UP = "no answer: the client gave up during the outage"


@dataclass
class _Outage:
    mode: str
    until: float  # time.monotonic(); math.inf lasts until end_outage()
    methods: frozenset[str] | None  # lower-case names; None: every method, getUpdates too

    def hits(self, method: str) -> bool:
        return time.monotonic() < self.until and (
            self.methods is None or method.lower() in self.methods)


# ----------------------------------------------------------------------------- the server


class FakeBotAPI:
    """Bot API server on 127.0.0.1; see the module docstring."""

    def __init__(self, token: str = "123456789:TEST_token_for_fake_api",
                 bot_username: str = "backcoach_test_bot") -> None:
        self._token, self.bot_username = token, bot_username
        bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 123456789
        self.bot_user: JsonDict = {"id": bot_id, "is_bot": True, "first_name": "Back Coach",
                                   "username": bot_username}
        self.calls: list[ApiCall] = []
        self.rate_limited_count = 0
        self.commands: dict[str, list[JsonDict]] = {}
        self.files: dict[str, Upload] = {}
        self._updates: list[JsonDict] = []
        self._last_update_id = 0
        self._poll_generation = 0
        self._allowed_updates: list[str] = []
        self._chats: dict[int, Chat] = {}
        self._users: dict[int, FakeUser] = {}
        self._queries: dict[str, int] = {}  # open callback query id -> presser's chat id
        self._last_query_id = 4_000_000_000_000_000_000
        self._faults: list[_Fault] = []
        self._outage: _Outage | None = None
        self._blocked: set[int] = set()
        self._global_rate: float | None = None
        self._chat_rate: float | None = None
        self._sent: list[tuple[float, int]] = []  # (monotonic time, chat id) of counted sends
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        handlers: list[Callable[[Params, dict[str, Upload]], Awaitable[Any]]] = [
            self._getMe, self._getUpdates, self._deleteWebhook, self._setMyCommands,
            self._getMyCommands, self._deleteMyCommands, self._sendMessage, self._editMessageText,
            self._editMessageCaption, self._editMessageReplyMarkup, self._deleteMessage,
            self._answerCallbackQuery, self._sendChatAction, self._sendPhoto, self._sendDocument,
            self._sendVoice, self._sendAnimation]
        handlers += [self._setWebhook, self._getWebhookInfo]
        self._methods = {h.__name__[1:].lower(): (h.__name__[1:], h) for h in handlers}
        # With a webhook set, updates are posted to the bot instead of waiting for getUpdates.
        self.webhook = WebhookDelivery(self._deliverable, self._remove_update, self._changes)
        for name in ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton"):
            self._methods[name.lower()] = (name, self._true)

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self._token

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._closing = False
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, handler_cancellation=True,
                                     access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True  # wakes open long polls, which then answer []
        self._notify()
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- faults and inspection ---------------------------------------------------------------

    def fail_next(self, method: str, *, error_code: int = 400,
                  description: str = "Bad Request: injected", retry_after: int | None = None,
                  times: int = 1, chat_id: int | None = None) -> None:
        """Fail the next `times` calls of `method` (only those to `chat_id` if given).

        With retry_after and the default code/description, the error is a realistic 429."""
        if retry_after is not None and (error_code, description) == (400, "Bad Request: injected"):
            error_code, description = 429, f"Too Many Requests: retry after {retry_after}"
        self._faults.append(_Fault(method.lower(), error_code, description, retry_after, times,
                                   chat_id))

    def block(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends/edits get 403; queues a my_chat_member update."""
        self._blocked.add(chat_id)
        if notify:
            self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = True) -> None:
        self._blocked.discard(chat_id)
        if notify:
            self._member_update(chat_id, "kicked", "member")

    def outage(self, mode: str, seconds: float | None = None, *,
               methods: Iterable[str] | None = None) -> None:
        """The Bot API stops answering for `seconds` from now (until end_outage() if None), for
        `methods` (every method, getUpdates too, if None), as Telegram or the network to it can:

        hang   no answer until the outage ends, then the request is carried out; a request whose
               client gives up first (a timeout) is not carried out, and its call's error says so
        reset  the request is carried out (a message is sent), then the connection is closed
               without an answer: httpx says "Server disconnected without sending a response"
        error  502 Bad Gateway, and nothing is carried out
        """
        if mode not in OUTAGE_MODES:
            raise ValueError(f"outage mode must be one of {OUTAGE_MODES}, got {mode!r}")
        until = math.inf if seconds is None else time.monotonic() + seconds
        names = None if methods is None else frozenset(m.lower() for m in methods)
        self._outage = _Outage(mode, until, names)

    def end_outage(self) -> None:
        if self._outage is not None:
            self._outage.until = time.monotonic()  # hung requests see it end and go on
            self._outage = None
        self._notify()

    def set_rate_limit(self, global_per_second: float | None = 30,
                       per_chat_per_second: float | None = None) -> None:
        """429 once more than N message-sending calls fall in a sliding 1-second window."""
        self._global_rate, self._chat_rate = global_per_second, per_chat_per_second

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot (via getUpdates offset)."""
        return list(self._updates)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = WAIT_SECONDS,
                         message: str = "") -> None:
        if not await self.wait_for(predicate, timeout):
            raise AssertionError(f"condition not met within {timeout}s {message}".strip())

    def user(self, chat_id: int, *, first_name: str = "Ann", language_code: str = "en") -> FakeUser:
        if chat_id not in self._users:  # the first call names the user
            chat = self.chat(chat_id)
            chat.first_name, chat.language_code = first_name, language_code
            self._users[chat_id] = FakeUser(self, chat)
        return self._users[chat_id]

    # --- plumbing ------------------------------------------------------------------------------

    def group_member(self, group_id: int, user: FakeUser, *, title: str = "Office") -> FakeUser:
        """``user`` writing in a group chat (a negative id) that the bot is a member of."""
        group = self._chats.setdefault(group_id, Chat(group_id, title, "en", title=title))
        return FakeUser(self, group, sender=user.sender)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            # also re-check now and then, for predicates on state outside this server
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
        return True

    def chat(self, chat_id: int) -> Chat:
        return self._chats.setdefault(chat_id, Chat(chat_id, "Ann", "en"))

    def open_query(self, presser_id: int) -> str:
        """A new callback query's id, to be answered by the bot."""
        self._last_query_id += 1
        query_id = str(self._last_query_id)
        self._queries[query_id] = presser_id
        return query_id

    def queue_update(self, kind: str, payload: JsonDict) -> None:
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._notify()

    def _member_update(self, chat_id: int, old: str, new: str) -> None:
        chat, now = self.chat(chat_id), int(time.time())
        self.queue_update("my_chat_member", {
            "chat": chat.chat_dict(), "from": chat.user_dict(), "date": now,
            "old_chat_member": {"status": old, "user": self.bot_user},
            "new_chat_member": {"status": new, "user": self.bot_user, "until_date": 0}})

    async def _handle(self, request: web.Request) -> web.Response:
        params: Params = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.content_type == "application/json" and request.can_read_body:
            params.update(dict(await request.json()))
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    params[name] = value
        params = {k: decode(k, v) for k, v in params.items()}
        name, handler = self._methods.get(request.match_info["method"].lower(),
                                          (request.match_info["method"], None))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = ApiCall(name, params, time.monotonic(), uploads=uploads,
                       connection=tuple(peer[:2]) if peer else None)
        self.calls.append(call)
        outage = self._outage if self._outage is not None and self._outage.hits(name) else None
        try:
            if outage is not None:
                call.outage = outage.mode
                await self._outage_before(outage, call)
            if request.match_info["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            self._injected_fault(name, params)
            result = await handler(params, uploads)
        except ApiError as err:
            call.error = err.description
            body: JsonDict = {"ok": False, "error_code": err.code, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            response = web.json_response(body, status=err.code)
        else:
            self._notify()
            response = web.json_response({"ok": True, "result": result})
        if outage is not None and outage.mode == "reset" and request.transport is not None:
            # Carried out, and the answer is lost with the connection; aiohttp then finds the
            # transport closed and drops the response quietly.
            request.transport.close()
        return response

    async def _outage_before(self, outage: _Outage, call: ApiCall) -> None:
        """What an outage does before a request is carried out: 502, or no answer until it
        ends (aiohttp cancels the wait if the client hangs up first: then nothing is done)."""
        if outage.mode == "error":
            raise ApiError(502, "Bad Gateway")
        if outage.mode == "hang":
            try:
                await self.wait_for(lambda: not outage.hits(call.method) or self._closing,
                                     math.inf)
            except asyncio.CancelledError:
                call.error = _GAVE_UP
                raise

    def _injected_fault(self, method: str, params: Params) -> None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, params.get("chat_id")):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.code, fault.description, fault.retry_after)

    def _target(self, method: str, params: Params) -> Chat:
        """The chat a call is addressed to, after the blocked and rate-limit checks."""
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad("chat not found")
        if chat_id in self._blocked and method in _TO_CHAT:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method in _RATE_LIMITED:
            now = time.monotonic()
            self._sent = [(t, c) for t, c in self._sent if now - t < 1.0]
            for limit, times in ((self._global_rate, [t for t, _ in self._sent]),
                                 (self._chat_rate, [t for t, c in self._sent if c == chat_id])):
                if limit is not None and len(times) >= limit:
                    self.rate_limited_count += 1
                    retry = max(1, math.ceil(times[0] + 1.0 - now))
                    raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
            self._sent.append((now, chat_id))
        return self.chat(chat_id)

    def _record(self, chat: Chat, event: BotEvent) -> None:
        chat.events.append(event)
        chat.transcript.append(str(event))

    def _content(self, params: Params, key: str, limit: int) -> JsonDict:
        """Text/caption fields of a message, rendered like Telegram does."""
        source = str(params.get(key) or "")
        text, entities = source, params.get("entities" if key == "text" else "caption_entities")
        if str(params.get("parse_mode") or "").upper() == "HTML":
            text, entities = HtmlRenderer.render(source)
        if key == "text" and not text.strip():
            raise bad("message text is empty")
        if utf16_len(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        content: JsonDict = {key: text} if text else {}
        if entities:
            content["entities" if key == "text" else "caption_entities"] = entities
        return content

    def _post(self, kind: str, chat: Chat, params: Params, content: JsonDict,
              upload: Upload | None = None) -> JsonDict:
        markup = checked_markup(params.get("reply_markup"))
        message: JsonDict = {"message_id": chat.next_message_id(), "from": self.bot_user,
                             "chat": chat.chat_dict(), "date": int(time.time()), **content}
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        self._record(chat, BotEvent(
            kind, chat.id, message["message_id"], content.get("text", content.get("caption")),
            markup, params.get("parse_mode"), copy.deepcopy(message),
            file=upload.data if upload else None, file_name=upload.filename if upload else None))
        return message

    def _file(self, params: Params, uploads: dict[str, Upload], key: str) -> Upload | None:
        if key in uploads:
            return uploads[key]
        ref = params.get(key)
        if not ref:
            raise bad(f"there is no {key} in the request")
        return self.files.get(str(ref))  # a known file_id, else a URL we cannot fetch

    def _store(self, upload: Upload | None, kind: str) -> tuple[str, str]:
        unique = f"{kind}{len(self.files) + 1:05d}"
        file_id = f"AgAC{unique}_fake"
        self.files[file_id] = upload or Upload("file", b"", "application/octet-stream")
        return file_id, unique

    # --- Bot API methods: _<apiName>(params, uploads) -> JSON result -----------------------

    async def _true(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return True

    async def _getMe(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _getUpdates(self, params: Params, uploads: dict[str, Upload]) -> Any:
        offset, limit = params.get("offset"), min(max(int(params.get("limit") or 100), 1), 100)
        if isinstance(offset, int):
            keep = self._updates[offset:] if offset < 0 else [
                u for u in self._updates if u["update_id"] >= offset]
            self._updates = keep
        if self.webhook.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first")
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])

        def deliverable() -> list[JsonDict]:
            return self._deliverable(self._allowed_updates)

        self._poll_generation += 1  # a newer getUpdates ends this one with 409, as Telegram does
        generation = self._poll_generation
        await self.wait_for(lambda: bool(deliverable()) or self._closing
                             or generation != self._poll_generation,
                             float(params.get("timeout") or 0))
        if generation != self._poll_generation:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                 "that only one bot instance is running")
        return deliverable()[:limit]

    def _deliverable(self, allowed: list[str]) -> list[JsonDict]:
        return [u for u in self._updates if not allowed or set(u) & set(allowed)]

    def _remove_update(self, update_id: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._notify()

    async def _changes(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)

    async def _deleteWebhook(self, params: Params, uploads: dict[str, Upload]) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook.delete()
        return True

    async def _setWebhook(self, params: Params, uploads: dict[str, Upload]) -> Any:
        try:
            webhook = checked(params)
        except WebhookRefused as refused:
            raise bad(str(refused)) from None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._poll_generation += 1  # an open getUpdates ends with 409, as on Telegram
        self.webhook.set(webhook)
        return True

    async def _getWebhookInfo(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return self.webhook.info()

    def _commands_key(self, params: Params) -> str:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return f"{scope}|{params.get('language_code') or ''}"

    async def _setMyCommands(self, params: Params, uploads: dict[str, Upload]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for cmd in commands:
            name, description = str(cmd.get("command", "")), str(cmd.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad("command description is empty" if not description else
                           "BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _getMyCommands(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _deleteMyCommands(self, params: Params, uploads: dict[str, Upload]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _sendMessage(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat = self._target("sendMessage", params)
        return self._post("message", chat, params, self._content(params, "text", 4096))

    async def _sendPhoto(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat = self._target("sendPhoto", params)
        upload = self._file(params, uploads, "photo")
        content = self._content(params, "caption", 1024)
        file_id, unique = self._store(upload, "photo")
        width, height = image_size(upload.data if upload else b"")
        scale = max(width, height) / 90 or 1
        content["photo"] = [
            {"file_id": f"{file_id}_s", "file_unique_id": f"{unique}s",
             "width": max(1, round(width / scale)), "height": max(1, round(height / scale))},
            {"file_id": file_id, "file_unique_id": unique, "width": width, "height": height,
             "file_size": len(upload.data) if upload else 0}]
        return self._post("photo", chat, params, content, upload)

    def _send_file(self, method: str, field: str, params: Params, uploads: dict[str, Upload],
                   *, default_name: str, default_type: str | None, **extra: Any
                   ) -> tuple[Chat, JsonDict, Upload | None]:
        """A message carrying one file under ``field``, with its caption: what sendDocument,
        sendVoice and sendAnimation have in common."""
        chat = self._target(method, params)
        upload = self._file(params, uploads, field)
        content = self._content(params, "caption", 1024)
        file_id, unique = self._store(upload, field)
        content[field] = {"file_id": file_id, "file_unique_id": unique, **extra,
                          "file_name": upload.filename if upload else default_name,
                          "mime_type": upload.content_type if upload else default_type,
                          "file_size": len(upload.data) if upload else 0}
        return chat, content, upload

    async def _sendDocument(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat, content, upload = self._send_file("sendDocument", "document", params, uploads,
                                                default_name="file", default_type=None)
        return self._post("document", chat, params, content, upload)

    async def _sendVoice(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat, content, upload = self._send_file(
            "sendVoice", "voice", params, uploads, default_name="voice.ogg",
            default_type="audio/ogg", duration=int(params.get("duration") or 0))
        return self._post("voice", chat, params, content, upload)

    async def _sendAnimation(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat, content, upload = self._send_file(
            "sendAnimation", "animation", params, uploads, default_name="animation",
            default_type=None, duration=int(params.get("duration") or 0))
        width, height = image_size(upload.data if upload else b"")
        content["animation"].update(width=width, height=height)
        # Telegram shows an animation with a document beside it, for older clients.
        content["document"] = dict(content["animation"])
        return self._post("animation", chat, params, content, upload)

    async def _edit(self, method: str, params: Params, content: JsonDict | None) -> Any:
        chat = self._target(method, params)
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            if message_id in chat.user_message_ids:
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        if content is None:  # editMessageReplyMarkup keeps text/caption
            content = {k: message[k] for k in ("text", "entities", "caption", "caption_entities")
                       if k in message}
        elif "text" in content and "text" not in message:
            raise bad("there is no text in the message to edit")
        markup = checked_markup(params.get("reply_markup"))
        new = {k: v for k, v in message.items()
               if k not in ("text", "entities", "caption", "caption_entities", "reply_markup",
                            "edit_date")}
        new.update(content)
        if markup and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        if all(new.get(k) == message.get(k) for k in (set(new) | set(message)) - {"edit_date"}):
            raise ApiError(400, _NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        chat.messages[new["message_id"]] = new
        self._record(chat, BotEvent("edit", chat.id, new["message_id"],
                                    new.get("text", new.get("caption")), new.get("reply_markup"),
                                    params.get("parse_mode"), copy.deepcopy(new)))
        return new

    async def _editMessageText(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return await self._edit("editMessageText", params, self._content(params, "text", 4096))

    async def _editMessageCaption(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return await self._edit("editMessageCaption", params,
                                self._content(params, "caption", 1024))

    async def _editMessageReplyMarkup(self, params: Params, uploads: dict[str, Upload]) -> Any:
        return await self._edit("editMessageReplyMarkup", params, None)

    async def _deleteMessage(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat, message_id = self._target("deleteMessage", params), params.get("message_id")
        if message_id in chat.user_message_ids:
            chat.user_message_ids.discard(message_id)
            text = None
        elif isinstance(message_id, int) and message_id in chat.messages:
            old = chat.messages.pop(message_id)
            text = old.get("text", old.get("caption"))
        else:
            raise bad("message to delete not found")
        self._record(chat, BotEvent("delete", chat.id, message_id, text))
        return True

    async def _answerCallbackQuery(self, params: Params, uploads: dict[str, Upload]) -> Any:
        chat_id = self._queries.pop(str(params.get("callback_query_id")), None)
        if chat_id is None:
            raise bad(_QUERY_INVALID)
        self._record(self.chat(chat_id), BotEvent(
            "callback_answer", chat_id, None, params.get("text"),
            show_alert=bool(params.get("show_alert")),
            callback_query_id=str(params["callback_query_id"])))
        return True

    async def _sendChatAction(self, params: Params, uploads: dict[str, Upload]) -> Any:
        self._target("sendChatAction", params)
        return True


# ----------------------------------------------------------------------------- the user side
