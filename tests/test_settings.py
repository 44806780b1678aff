"""/settings: one message showing what the person chose, a button per choice. Guidance,
auto-continue and doses change in place and are kept across a restart; language and time zone
open the questions of /language and /timezone; made-up or misplaced buttons change nothing.
And bot/preferences.py: the defaults of what was never chosen."""

from __future__ import annotations

import pytest

from bot import preferences
from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import Chat
from bot.preferences import TEXT, VOICE, Preferences
from handlers.menu import MENU_COMMANDS
from tests.harness import RunningBot
from tests.test_language import assert_russian

CONTENT = load_content()
DEFAULT_BUTTONS = [
    "🔊 Guidance: voice and text",
    "⏭ Auto-continue: on",
    "💪 Doses: easier end",
    "🌐 Language: English",
    "🕒 Time zone: not set",
]


def en(key: str, **values: object) -> str:
    return CONTENT.text(key, "en", **values)


async def stored(bot: RunningBot, chat_id: int) -> Preferences:
    async with bot.services.sessions() as session:
        return await preferences.load(session, chat_id)


async def chat_row(bot: RunningBot, chat_id: int) -> Chat | None:
    async with bot.services.sessions() as session:
        return await session.get(Chat, chat_id)


async def open_settings(user: FakeUser) -> BotEvent:
    await user.send("/settings")
    return await user.expect(en("settings.intro")[:25], kind="message")


async def press_and_see(user: FakeUser, label: str, message_id: int) -> BotEvent:
    """Press a settings button; the same message is edited and the press answered."""
    await user.press(label, message_id=message_id)
    answer = await user.expect(kind="callback_answer")
    assert answer.text == en("settings.saved")
    edited = await user.expect(kind="edit")
    assert edited.message_id == message_id
    return edited


def no_apology(user: FakeUser) -> None:
    """Nothing went wrong on the bot's side: no "sorry, something went wrong"."""
    unexpected = en("ui.errors.unexpected")
    assert all(event.text != unexpected for event in user.history), user.log()


# --- end to end ---------------------------------------------------------------------------


async def test_settings_show_the_defaults_and_store_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9101)
    shown = await open_settings(user)
    assert shown.buttons == DEFAULT_BUTTONS
    assert "Guidance" in shown.text and "Auto-continue" in shown.text
    assert await chat_row(bot, 9101) is None, "looking at the settings stored a chat"


async def test_each_choice_changes_in_place_is_stored_and_survives_a_restart(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9102)
    message_id = (await open_settings(user)).message_id

    # Text only: auto-continue, never chosen, follows it to off.
    edited = await press_and_see(user, "Guidance", message_id)
    assert edited.buttons[:3] == [
        "🔊 Guidance: text only", "⏭ Auto-continue: off", "💪 Doses: easier end"]
    chosen = await stored(bot, 9102)
    assert (chosen.guidance, chosen.voice, chosen.auto_continue) == (TEXT, False, False)
    assert (await chat_row(bot, 9102)).auto_continue is None

    edited = await press_and_see(user, "Auto-continue", message_id)
    assert edited.buttons[1] == "⏭ Auto-continue: on"
    assert (await stored(bot, 9102)).auto_continue is True
    assert (await chat_row(bot, 9102)).auto_continue is True

    edited = await press_and_see(user, "Doses", message_id)
    assert edited.buttons[2] == "💪 Doses: harder end"
    assert (await stored(bot, 9102)).harder is True

    await bot.restart()
    shown = await open_settings(user)
    assert shown.buttons[:3] == [
        "🔊 Guidance: text only", "⏭ Auto-continue: on", "💪 Doses: harder end"]
    chosen = await stored(bot, 9102)
    assert (chosen.guidance, chosen.auto_continue, chosen.harder) == (TEXT, True, True)

    # And back again, on the message sent before the restart.
    edited = await press_and_see(user, "Guidance", message_id)
    assert edited.buttons[:2] == ["🔊 Guidance: voice and text", "⏭ Auto-continue: on"]
    edited = await press_and_see(user, "Doses", message_id)
    assert edited.buttons[2] == "💪 Doses: easier end"
    chosen = await stored(bot, 9102)
    assert (chosen.guidance, chosen.auto_continue, chosen.harder) == (VOICE, True, False)
    no_apology(user)


async def test_a_button_pressed_twice_sets_what_it_offered_once(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9103)
    message_id = (await open_settings(user)).message_id
    # Both presses carry the message as it was when the person tapped, as a double tap does.
    await user.press_data(message_id, "set:guide:text")
    await user.press_data(message_id, "set:guide:text")
    answers = [await user.expect(kind="callback_answer") for _ in range(2)]
    assert [answer.text for answer in answers] == [en("settings.saved")] * 2
    await api.wait_until(lambda: user.messages[message_id].get("edit_date") is not None)
    assert (await stored(bot, 9103)).guidance == TEXT
    assert user.buttons(message_id)[0] == "🔊 Guidance: text only"
    no_apology(user)


async def test_the_language_button_opens_the_language_question(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9104)
    message_id = (await open_settings(user)).message_id
    await user.press("Language", message_id=message_id)
    question = await user.expect(en("ui.language.prompt"))
    assert question.buttons == ["English", "Русский"]
    await user.press("Русский", message_id=question.message_id)
    await user.expect(CONTENT.text("ui.language.changed", "ru"), kind="edit")
    shown = await open_settings_in(user, "ru")
    assert shown.buttons[3] == "🌐 Язык: Русский"
    assert shown.buttons[4] == "🕒 Часовой пояс: не задан"
    for words in (shown.text, *shown.buttons):
        assert_russian(words)
    assert (await stored(bot, 9104)).language == "ru"


async def open_settings_in(user: FakeUser, language: str) -> BotEvent:
    await user.send("/settings")
    return await user.expect(CONTENT.text("settings.intro", language)[:25], kind="message")


async def test_the_time_zone_button_opens_the_time_zone_question(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9105)
    message_id = (await open_settings(user)).message_id
    await user.press("Time zone", message_id=message_id)
    assert (await user.expect(kind="callback_answer")).text is None
    await user.expect("which time zone are you in")
    await user.send("Berlin")
    await user.expect("your time zone is Berlin")
    assert (await stored(bot, 9105)).time_zone == "Europe/Berlin"
    shown = await open_settings(user)
    assert shown.buttons[4] == "🕒 Time zone: Berlin"

    # Once set, the button shows it and offers a change, which /cancel declines.
    await user.press("Time zone", message_id=shown.message_id)
    await user.expect("Your time zone is Berlin")
    await user.send("/cancel")
    await user.expect("your time zone stays as it was")
    assert (await stored(bot, 9105)).time_zone == "Europe/Berlin"
    no_apology(user)


async def test_settings_speak_russian_to_a_russian_speaker(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9106, language_code="ru")
    shown = await open_settings_in(user, "ru")
    assert shown.buttons == [
        "🔊 Подсказки: голос и текст",
        "⏭ Автопереход: вкл.",
        "💪 Нагрузка: лёгкий вариант",
        "🌐 Язык: Русский",
        "🕒 Часовой пояс: не задан",
    ]
    for words in (shown.text, *shown.buttons):
        assert_russian(words)
    await user.press("Подсказки", message_id=shown.message_id)
    answer = await user.expect(kind="callback_answer")
    assert answer.text == CONTENT.text("settings.saved", "ru")
    edited = await user.expect(kind="edit")
    assert edited.buttons[:2] == ["🔊 Подсказки: только текст", "⏭ Автопереход: выкл."]


FORGED = [
    "set:guide:loud",  # a value no button has
    "set:auto:maybe",
    "set:dose:max",
    "set:lang:xx",
    "set:tz:Europe/Paris",
    "set:guide",
    "set:volume:up",
    "set:",
    "set:guide:text:again",
    "set:guide:TEXT",
]


@pytest.mark.parametrize("data", FORGED)
async def test_a_made_up_button_is_answered_kindly_and_changes_nothing(
    api: FakeBotAPI, bot: RunningBot, data: str
) -> None:
    user = api.user(9107)
    shown = await open_settings(user)
    await user.press_data(shown.message_id, data)
    answer = await user.expect(kind="callback_answer")
    assert answer.text == en("settings.stale")
    await user.expect_nothing()
    assert user.buttons(shown.message_id) == DEFAULT_BUTTONS
    assert await chat_row(bot, 9107) is None
    no_apology(user)


@pytest.mark.parametrize("data", ["set:guide:text", "set:auto:off", "set:dose:hard",
                                  "set:lang", "set:tz"])
async def test_a_real_button_on_a_message_that_lacks_it_changes_nothing(
    api: FakeBotAPI, bot: RunningBot, data: str
) -> None:
    user = api.user(9108)
    await user.send("/help")
    help_message = await user.expect("Here is what I can do")
    shown = await open_settings(user)
    for message_id in (
        help_message.message_id,  # another message of the bot's
        shown.message_id + 100,  # one Telegram no longer shows: no buttons come with it
    ):
        await user.press_data(message_id, data)
        answer = await user.expect(kind="callback_answer")
        assert answer.text == en("settings.stale")
        await user.expect_nothing()
    assert user.buttons(shown.message_id) == DEFAULT_BUTTONS
    assert await chat_row(bot, 9108) is None
    # Nor did it start the time zone question: typed words are not taken as a city.
    await user.send("Berlin")
    assert (await user.next()).text == en("ui.errors.free_text")
    no_apology(user)


async def test_a_button_pressed_by_someone_else_changes_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user, stranger = api.user(9109), api.user(9110)
    shown = await open_settings(user)
    await user.press_data(shown.message_id, "set:guide:text", from_chat_id=stranger.id)
    await stranger.expect(kind="callback_answer")
    await user.expect_nothing()
    assert await chat_row(bot, 9109) is None
    assert await chat_row(bot, 9110) is None


async def test_settings_in_a_group_point_to_the_private_chat(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    person = api.user(9111)
    member = api.group_member(-100900, person)
    await member.send(f"/settings@{api.bot_username}")
    reply = await member.next()
    assert reply.kind == "message" and "private chat" in reply.text, reply
    await member.press_data(reply.message_id, "set:guide:text")
    # Telegram tells the person who pressed, wherever the button was.
    assert (await person.expect(kind="callback_answer")).text == en("settings.stale")
    assert await chat_row(bot, -100900) is None


async def test_settings_are_in_the_command_menu_and_help_in_both_languages(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    assert "settings" in MENU_COMMANDS
    menus = {call.params.get("language_code"): call.params["commands"]
             for call in api.calls_to("setMyCommands") if call.error is None}
    assert set(menus) == {None, "ru"}
    for code, language in ((None, "en"), ("ru", "ru")):
        entry = {"command": "settings",
                 "description": CONTENT.text("ui.commands.settings", language)}
        assert entry in menus[code], menus[code]
    assert_russian(CONTENT.text("ui.commands.settings", "ru"))
    for user, language in ((api.user(9112), "en"), (api.user(9113, language_code="ru"), "ru")):
        await user.send("/help")
        reply = await user.next()
        assert f"/settings — {CONTENT.text('ui.commands.settings', language)}" in reply.text


# --- bot/preferences.py ---------------------------------------------------------------------


def row(**values: object) -> Chat:
    return Chat(id=1, prefers_harder=False, **values)


def test_nothing_chosen_means_voice_guidance_that_goes_on_by_itself() -> None:
    for chat in (None, row(), row(guidance=None, auto_continue=None)):
        chosen = preferences.of_chat(chat)
        assert (chosen.guidance, chosen.voice, chosen.auto_continue) == (VOICE, True, True)
    assert preferences.of_chat(None) == Preferences(
        guidance=VOICE, auto_continue=True, harder=False, language=None, time_zone=None)


def test_auto_continue_follows_the_guidance_until_it_is_chosen() -> None:
    assert preferences.of_chat(row(guidance=TEXT)).auto_continue is False
    assert preferences.of_chat(row(guidance=VOICE)).auto_continue is True
    assert preferences.of_chat(row(guidance=TEXT, auto_continue=True)).auto_continue is True
    assert preferences.of_chat(row(guidance=VOICE, auto_continue=False)).auto_continue is False


def test_an_unknown_guidance_reads_as_the_default() -> None:
    chosen = preferences.of_chat(row(guidance="morse"))
    assert (chosen.guidance, chosen.auto_continue) == (VOICE, True)


def test_the_other_choices_are_read_from_the_chat() -> None:
    chat = Chat(id=1, prefers_harder=True, language="ru", time_zone="Europe/Moscow")
    assert preferences.of_chat(chat) == Preferences(
        guidance=VOICE, auto_continue=True, harder=True, language="ru",
        time_zone="Europe/Moscow")


async def test_load_and_set_in_the_database(bot: RunningBot) -> None:
    sessions = bot.services.sessions
    async with sessions() as session:
        assert await preferences.load(session, 77) == preferences.of_chat(None)
    assert await chat_row(bot, 77) is None

    async with sessions.begin() as session:
        await preferences.set_guidance(session, 77, TEXT)
    async with sessions() as session:
        assert await preferences.load(session, 77) == Preferences(
            guidance=TEXT, auto_continue=False, harder=False, language=None, time_zone=None)

    async with sessions.begin() as session:
        await preferences.set_auto_continue(session, 77, True)
        await preferences.set_guidance(session, 78, VOICE)
        await preferences.set_auto_continue(session, 78, False)
    async with sessions() as session:
        assert (await preferences.load(session, 77)).auto_continue is True
        assert (await preferences.load(session, 78)).auto_continue is False

    with pytest.raises(ValueError):
        async with sessions.begin() as session:
            await preferences.set_guidance(session, 77, "loud")
    assert (await chat_row(bot, 77)).guidance == TEXT
