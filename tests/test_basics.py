"""First contact: /start, /help, the command menu, and replies to things the bot does not know."""

from __future__ import annotations

from bot.fakeapi import FakeBotAPI
from handlers.menu import MENU_COMMANDS
from tests.harness import RunningBot


async def test_start_greets_and_says_it_is_not_a_doctor(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(1001, first_name="Olga")
    await user.send("/start")
    greeting = await user.expect("Olga")
    assert "Back Coach" in greeting.text
    assert "not a doctor" in greeting.text
    assert "/help" in greeting.text


async def test_help_lists_every_menu_command(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(1002)
    await user.send("/help")
    reply = await user.next()
    menu = api.calls_to("setMyCommands")[0].params["commands"]
    assert menu, "the menu is empty"
    for command in menu:
        assert f"/{command['command']} — {command['description']}" in reply.text


async def test_menu_is_registered_at_start(api: FakeBotAPI, bot: RunningBot) -> None:
    commands = [c["command"] for c in api.calls_to("setMyCommands")[0].params["commands"]]
    assert commands == list(MENU_COMMANDS)


async def test_bot_starts_even_if_the_menu_cannot_be_set(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    api.fail_next("setMyCommands", error_code=500, description="Internal Server Error", times=5)
    running = RunningBot(api, migrated_database_url)
    await running.start()
    try:
        user = api.user(1003)
        await user.send("/start")
        await user.expect("Back Coach")
    finally:
        await running.stop()


async def test_unknown_command_and_free_text_get_a_friendly_hint(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(1004)
    await user.send("/dance")
    assert "/help" in (await user.next()).text
    await user.send("what is this?")
    assert "/help" in (await user.next()).text


async def test_an_unexpected_error_is_apologised_for_without_details(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(1005)
    # The greeting fails once at the Bot API; the error handler then apologises.
    api.fail_next("sendMessage", error_code=400, description="Bad Request: injected", chat_id=1005)
    await user.send("/start")
    apology = await user.expect("went wrong")
    assert "injected" not in apology.text
    assert "Bad Request" not in apology.text
