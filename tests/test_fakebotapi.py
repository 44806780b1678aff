"""Tests of the fake Bot API server, driven by PTB's real Bot and Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fakeapi import FakeBotAPI

pytestmark = pytest.mark.asyncio

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
# Seconds a test's long poll may stay open; what it checks happens long before that.
LONG_POLL = 30
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Yes, start", callback_data="start:yes"),
      InlineKeyboardButton("Not now", callback_data="start:no")],
     [InlineKeyboardButton("Docs", url="https://example.org")]]
)


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest_asyncio.fixture
async def ptb_bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as real_bot:
        yield real_bot


@contextlib.asynccontextmanager
async def running_app(api: FakeBotAPI, *handlers: BaseHandler[Any, Any, Any]
                      ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta here
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ----------------------------------------------------------------------------- plain Bot


async def test_get_me(ptb_bot: Bot, api: FakeBotAPI) -> None:
    me = await ptb_bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "backcoach_test_bot", True)
    assert api.calls_to("getMe")


async def test_send_message_params_are_decoded_and_seen_by_user(ptb_bot: Bot, api: FakeBotAPI
                                                                ) -> None:
    ann = api.user(42)
    sent = await ptb_bot.send_message(42, "Hello <b>Ann</b>", parse_mode="HTML",
                                      reply_markup=KEYBOARD)
    params = api.calls_to("sendMessage")[0].params
    assert params["chat_id"] == 42 and params["reply_markup"]["inline_keyboard"][0][0]["text"]
    assert sent.text == "Hello Ann" and sent.entities[0].type == "bold"
    assert sent.from_user is not None and sent.from_user.username == "backcoach_test_bot"
    event = await ann.next()
    assert (event.kind, event.message_id, event.text) == ("message", sent.message_id, "Hello Ann")
    assert event.buttons == ["Yes, start", "Not now", "Docs"] == ann.buttons()
    assert event.parse_mode == "HTML" and ann.last_message()["text"] == "Hello Ann"
    second = await ptb_bot.send_message(42, "again")
    assert second.message_id == sent.message_id + 1


async def test_telegram_errors(ptb_bot: Bot, api: FakeBotAPI) -> None:
    sent = await ptb_bot.send_message(7, "Pick", reply_markup=KEYBOARD)
    cases: list[tuple[Any, str]] = [
        (ptb_bot.edit_message_text("Pick", chat_id=7, message_id=sent.message_id,
                                   reply_markup=KEYBOARD), "Message is not modified: specified"),
        (ptb_bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id,
                                           reply_markup=KEYBOARD), "Message is not modified"),
        (ptb_bot.edit_message_text("x", chat_id=7, message_id=999), "Message to edit not found"),
        (ptb_bot.delete_message(7, 999), "Message to delete not found"),
        (ptb_bot.send_message(7, "   "), "Message text is empty"),
        (ptb_bot.send_message(7, "x" * 4097), "Message is too long"),
        (ptb_bot.send_message(7, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("big", callback_data="d" * 65)]])), "Button_data_invalid"),
        (ptb_bot.answer_callback_query("12345"), "Query is too old and response timeout expired"),
        (ptb_bot.send_message("", "x"), "Chat not found"),
        (ptb_bot.send_message(7, "a <br> b", parse_mode="HTML"),
         'Can\'t parse entities: unsupported start tag "br" at byte offset 2'),
        (ptb_bot.send_message(7, "<b>bold", parse_mode="HTML"), "Can't parse entities"),
    ]
    for call, message in cases:
        with pytest.raises(BadRequest) as caught:
            await call
        assert caught.value.message.startswith(message), caught.value.message
    # Without reply_markup an edit removes the keyboard, so that counts as a change.
    edited = await ptb_bot.edit_message_text("Pick", chat_id=7, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.reply_markup is None
    assert "reply_markup" not in api.user(7).messages[sent.message_id]
    assert api.calls_to("sendMessage")[-1].error == "Bad Request: can't parse entities: " \
        "Can't find end tag corresponding to start tag \"b\""


async def test_blocked_user_gives_forbidden_and_member_update(ptb_bot: Bot, api: FakeBotAPI
                                                               ) -> None:
    ann = api.user(5)
    ann.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb_bot.send_message(5, "hi")
    assert api.pending_updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    await ptb_bot.send_message(6, "others still fine")
    ann.unblock()
    await ptb_bot.send_message(5, "hi again")
    assert (await ann.next()).text == "hi again"


# PTB itself warns (int vs timedelta) whenever it constructs a RetryAfter.
no_retry_after_warning = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning")


@no_retry_after_warning
async def test_injected_faults(ptb_bot: Bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await ptb_bot.send_message(1, "x")
    assert retry_seconds(caught.value) == 7
    api.fail_next("sendMessage", chat_id=2, description="Bad Request: custom", times=2)
    await ptb_bot.send_message(1, "chat 1 is unaffected")
    for _ in range(2):
        with pytest.raises(BadRequest, match="Custom"):
            await ptb_bot.send_message(2, "x")
    await ptb_bot.send_message(2, "third time works")
    api.fail_next("getMe", error_code=502, description="Bad Gateway")
    with pytest.raises(Exception, match="Bad Gateway"):
        await ptb_bot.get_me()


@no_retry_after_warning
async def test_rate_limit(ptb_bot: Bot, api: FakeBotAPI) -> None:
    api.set_rate_limit(global_per_second=None, per_chat_per_second=2)
    await ptb_bot.send_message(1, "a")
    await ptb_bot.send_message(1, "b")
    await ptb_bot.send_message(2, "other chat has its own budget")
    with pytest.raises(RetryAfter) as caught:
        await ptb_bot.send_message(1, "c")
    assert retry_seconds(caught.value) == 1 and api.rate_limited_count == 1
    assert api.calls_to("sendMessage")[-1].error == "Too Many Requests: retry after 1"
    await ptb_bot.send_chat_action(1, "typing")  # not a counted method
    api.set_rate_limit(None, None)
    await ptb_bot.send_message(1, "limits off")


async def test_wrong_token_and_unknown_method(api: FakeBotAPI, ptb_bot: Bot) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("1:wrong", base_url=api.base_url):
            pass  # initialize() calls getMe, which gets 401
    with pytest.raises(EndPointNotFound):  # the 404, seen by an initialized Bot
        await ptb_bot.do_api_request("noSuchMethod")


async def test_raw_http_json_body_query_params_and_error_shapes(api: FakeBotAPI) -> None:
    url = f"{api.base_url}{api.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/sendMessage", json={
                "chat_id": 3, "text": "json", "reply_markup": {"inline_keyboard": [
                    [{"text": "A", "callback_data": "a"}]]}}) as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["reply_markup"]["inline_keyboard"]
        async with http.get(f"{url}/getUpdates", params={"timeout": "0", "limit": "5"}) as resp:
            assert (resp.status, await resp.json()) == (200, {"ok": True, "result": []})
        async with http.get(f"{api.base_url}0:bad/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {"ok": False, "error_code": 401,
                                         "description": "Unauthorized"}
        async with http.post(f"{url}/nope") as resp:
            assert (resp.status, (await resp.json())["description"]) == (404, "Not Found")
        api.fail_next("sendMessage", retry_after=3)
        async with http.post(f"{url}/sendMessage", data={"chat_id": "3", "text": "x"}) as resp:
            assert resp.status == 429
            assert (await resp.json())["parameters"] == {"retry_after": 3}


async def test_photo_and_document_round_trip(ptb_bot: Bot, api: FakeBotAPI) -> None:
    ann = api.user(9)
    sent = await ptb_bot.send_photo(9, PNG_1x1, caption="Your chart")
    assert sent.caption == "Your chart" and (sent.photo[-1].width, sent.photo[-1].height) == (1, 1)
    event = await ann.next()
    assert (event.kind, event.text, event.file) == ("photo", "Your chart", PNG_1x1)
    again = await ptb_bot.send_photo(9, sent.photo[-1].file_id)  # resend by file_id
    assert (await ann.next()).file == PNG_1x1 and again.photo
    doc = await ptb_bot.send_document(9, InputFile(b"a,b\n1,2\n", filename="log.csv"))
    assert api.calls_to("sendDocument")[0].uploads["document"].filename == "log.csv"
    assert doc.document is not None and doc.document.file_name == "log.csv"
    event = await ann.expect(kind="document")
    assert (event.file, event.file_name) == (b"a,b\n1,2\n", "log.csv")


async def test_commands(ptb_bot: Bot, api: FakeBotAPI) -> None:
    await ptb_bot.set_my_commands([("start", "Start"), ("stats", "Your progress")])
    await ptb_bot.set_my_commands([("start", "Beginn")], language_code="de")
    assert [c.command for c in await ptb_bot.get_my_commands()] == ["start", "stats"]
    assert [c.description for c in await ptb_bot.get_my_commands(language_code="de")] == ["Beginn"]
    await ptb_bot.delete_my_commands()
    assert await ptb_bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await ptb_bot.set_my_commands([("Bad-Name", "x")])


async def test_get_updates_offset_and_long_poll(ptb_bot: Bot, api: FakeBotAPI) -> None:
    ann = api.user(11)
    poll = asyncio.create_task(ptb_bot.get_updates(timeout=LONG_POLL, read_timeout=LONG_POLL + 10))
    await api.wait_until(lambda: bool(api.calls_to("getUpdates")))
    started = time.monotonic()
    await ann.send("/start@backcoach_test_bot now")
    updates = await poll
    # The poll answers when the update comes, not when its time is up; half of that time is
    # far more than the busiest machine needs, and still proves it.
    assert time.monotonic() - started < LONG_POLL / 2
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert message.from_user.language_code == "en" and message.text is not None
    assert message.parse_entities() and list(message.parse_entities().values()) == [
        "/start@backcoach_test_bot"]
    await ann.send_location(52.5, 13.4)
    assert len(await ptb_bot.get_updates(offset=updates[0].update_id)) == 2  # not yet confirmed
    later = await ptb_bot.get_updates(offset=updates[0].update_id + 1)
    assert later[0].message is not None and later[0].message.location is not None
    assert await ptb_bot.get_updates(offset=later[0].update_id + 1) == ()
    assert api.pending_updates == []


async def test_second_poller_ends_the_first_with_conflict(ptb_bot: Bot, api: FakeBotAPI) -> None:
    first = asyncio.create_task(ptb_bot.get_updates(timeout=5))
    await api.wait_until(lambda: len(api.calls_to("getUpdates")) == 1)
    async with Bot(api.token, base_url=api.base_url) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        await api.user(12).send("hello")
        assert (await second)[0].message is not None


async def test_stop_is_prompt_while_long_poll_is_open() -> None:
    api = FakeBotAPI()
    await api.start()
    bot = Bot(api.token, base_url=api.base_url)
    await bot.initialize()
    poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL, read_timeout=LONG_POLL + 10))
    await api.wait_until(lambda: bool(api.calls_to("getUpdates")))
    started = time.monotonic()
    await api.stop()
    assert time.monotonic() - started < LONG_POLL / 2  # not held up by the open poll
    with contextlib.suppress(Exception):
        await asyncio.wait_for(poll, 2)
    await bot.shutdown()


# ----------------------------------------------------------------------------- Application


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"Welcome! {args}".strip(), reply_markup=KEYBOARD)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    await query.answer(f"{query.from_user.id} chose {query.data}")
    if query.data == "start:yes":
        await query.edit_message_text("Great, let's go.")


async def test_command_and_button_through_application(api: FakeBotAPI) -> None:
    ann = api.user(100, first_name="Ann")
    async with running_app(api, CommandHandler("start", start),
                           CallbackQueryHandler(on_button)):
        await ann.send("/start@backcoach_test_bot morning")
        welcome = await ann.expect("welcome")
        assert welcome.text == "Welcome! morning" and "Yes, start" in welcome.buttons
        query_id = await ann.press("yes")  # unique case-insensitive substring
        answer = await ann.expect(kind="callback_answer")
        assert answer.text == "100 chose start:yes" and not answer.show_alert
        edit = await ann.expect(kind="edit")
        assert (edit.message_id, edit.text, edit.buttons) == (
            welcome.message_id, "Great, let's go.", [])
        assert ann.messages[welcome.message_id]["text"] == "Great, let's go."
        assert answer.callback_query_id == query_id
        await ann.expect_nothing(within=0.2)


async def test_forged_callback_from_other_user(api: FakeBotAPI) -> None:
    ann, mallory = api.user(200), api.user(201, first_name="Mallory")
    async with running_app(api, CommandHandler("start", start),
                           CallbackQueryHandler(on_button)):
        await ann.send("/start")
        welcome = await ann.expect("welcome")
        await ann.press_data(welcome.message_id, "start:no", from_chat_id=mallory.id)
        answer = await mallory.expect(kind="callback_answer")  # the presser sees the answer
        assert answer.text == "201 chose start:no"
        await ann.press_data(999, "start:gone")  # message the bot never sent: inaccessible
        assert (await ann.expect(kind="callback_answer")).text == "200 chose start:gone"


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def test_user_side_assertions_are_informative(api: FakeBotAPI) -> None:
    ann = api.user(300)
    echo = MessageHandler(filters.TEXT & ~filters.COMMAND, echo_text)
    async with running_app(api, CommandHandler("start", start), echo):
        await ann.send("/start")
        await ann.send("hi")
        with pytest.raises(AssertionError, match=r"(?s)skipped:.*Welcome.*echo: hi"):
            await ann.expect("never said", timeout=0.5)
        with pytest.raises(AssertionError, match=r"several buttons.*\['Yes, start', 'Not now'"):
            await ann.press("o")
        with pytest.raises(AssertionError, match="no callback button matching 'Docs'"):
            await ann.press("Docs")
        with pytest.raises(AssertionError, match="no new bot event"):
            await ann.next(timeout=0.1)
    assert "user #1: '/start'" in ann.log() and json.dumps(ann.last_message())
