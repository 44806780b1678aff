"""Russian and English: the chat follows Telegram's language, /language overrides it, and a
Russian-speaking person gets everything in Russian, from the screen to a reminder."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot import chats
from bot.content import load_content
from bot.content_texts import plural_form_of
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import Chat
from tests.harness import RunningBot
from tests.test_reminders_support import FakeClock, drain, running_bot, sent_to

CONTENT = load_content()
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def ru(key: str, **values: object) -> str:
    return CONTENT.text(key, "ru", **values)


def assert_russian(text: str) -> None:
    assert CYRILLIC.search(text), text
    # Only names stay in Latin letters: the bot's, commands, time zones.
    names = re.sub(r"Back Coach|/\w+|Europe/Moscow", "", text)
    assert not LATIN_WORD.findall(names), text


def test_every_text_exists_in_both_languages() -> None:
    assert CONTENT.languages == ("en", "ru")
    english, russian = CONTENT.texts_by_language["en"], CONTENT.texts_by_language["ru"]
    # Counted phrases have each language's own plural forms ("few" and "many" in Russian).
    assert {k for k in english if not plural_form_of(k)} == {
        k for k in russian if not plural_form_of(k)}
    assert {k for k in english if plural_form_of(k) == "other"} == {
        k for k in russian if plural_form_of(k) == "other"}
    assert all(russian[key] for key in russian)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T12:00:00+00:00")


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str, clock: FakeClock):
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def test_telegram_language_is_followed(api: FakeBotAPI, bot: RunningBot) -> None:
    russian = api.user(8001, first_name="Ольга", language_code="ru")
    english = api.user(8002, language_code="en-GB")
    other = api.user(8003, language_code="de")
    await russian.send("/start")
    assert_russian((await russian.expect("Ольга")).text)
    await english.send("/start")
    await english.expect("I'm Back Coach")
    await other.send("/start")
    await other.expect("I'm Back Coach")


async def test_language_command_overrides_telegram_and_is_remembered(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(8004, language_code="ru")
    await user.send("/screen")  # something stored about the chat
    await user.expect(ru("ui.screen.progress", number=1, total=len(load_content().questions)))
    await user.send("/language")
    choice = await user.expect(ru("ui.language.prompt"))
    assert choice.buttons == ["English", "Русский"]
    await user.press("English")
    await user.expect("I'll speak English", kind="edit")
    await bot.restart()
    await user.send("/help")
    await user.expect("Here is what I can do")
    async with bot.services.sessions() as session:
        chat = await session.get(Chat, 8004)
    assert (chat.language, chat.language_chosen) == ("en", True)


async def screen_in_russian(user: FakeUser) -> None:
    await user.send("/screen")
    assert_russian((await user.expect(ru("screening.intro")[:30])).text)
    total = len(load_content().questions)
    for number in range(1, total + 1):
        question = await user.expect(ru("ui.screen.progress", number=number, total=total))
        assert_russian(question.text)
        assert question.buttons[:2] == [ru("ui.screen.yes"), ru("ui.screen.no")]
        await user.send("нет")
    cleared = await user.expect(ru("screening.outcome.cleared")[:30])
    assert cleared.buttons == [ru("ui.screen.workout_button")]


async def test_a_russian_speaker_gets_everything_in_russian(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(8005, first_name="Ирина", language_code="ru")
    await screen_in_russian(user)

    # The first exercise of a workout.
    await user.press(ru("ui.screen.workout_button"))
    assert_russian((await user.expect(ru("workout.feeling.before")[:20])).text)
    await user.press("2")
    overview = await user.next()
    while ru("workout.overview.go") not in overview.buttons:
        overview = await user.next()
    assert_russian(overview.text)
    await user.press(ru("workout.overview.go"))
    card = await user.expect(ru("exercises.hamstring_stretch.name"))
    assert_russian(card.text)
    await user.expect(kind="voice")  # spoken in Russian: tests/test_speech.py listens
    status = await user.expect(ru("workout.status.awaiting_voice")[:20])
    assert_russian(status.text)
    assert status.buttons == [ru("workout.buttons.played"), ru("workout.buttons.skip"),
                              ru("workout.buttons.stop")]
    await user.press(ru("workout.buttons.stop"))
    assert_russian((await user.expect(ru("workout.stop.question"))).text)
    await user.press(ru("workout.buttons.end"))
    await user.expect(ru("workout.summary.stopped_early")[:20])

    # A walking reminder, set and then received in Russian.
    await user.send("/remind")
    assert_russian((await user.expect(ru("reminders.zone.ask")[:30])).text)
    await user.send("Москва")
    await user.expect(ru("reminders.remind.ask_kind"))
    await user.press(ru("reminders.kind_choice.walk"))
    await user.expect(ru("reminders.remind.ask_time"))
    await user.send("7:30")
    await user.expect(ru("reminders.remind.ask_days"))
    await user.press(ru("reminders.remind.every_day"))
    saved = await user.expect("Готово!")
    assert_russian(saved.text)
    clock.set("2026-03-28T04:30:00+00:00")  # 07:30 in Moscow
    await drain(bot)
    reminder = sent_to(api, 8005)[-1]
    assert reminder == ru("reminders.message.walk", goal="6–8")


async def test_a_chat_with_nothing_stored_is_not_looked_up_and_its_row_starts_in_its_language(
    api: FakeBotAPI, bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[int] = []
    real = chats.sync_language

    async def counting(session: AsyncSession, chat_id: int, *args: object) -> str | None:
        looked_up.append(chat_id)
        return await real(session, chat_id, *args)

    monkeypatch.setattr(chats, "sync_language", counting)
    user = api.user(8010, language_code="ru")
    for command in ("/help", "/tips", "/help"):
        await user.send(command)
        await user.expect(kind="message")
    assert looked_up == []  # the bot knows it has no row for the chat
    await user.send("/walk 3")  # the first thing stored: the chat's row
    await user.expect("Записано")
    async with bot.services.sessions() as session:
        assert (await session.get(Chat, 8010)).language == "ru"


async def test_a_chat_stored_before_the_start_or_while_running_is_looked_up(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    help_header = ru("ui.help.header")
    async with bot.services.sessions.begin() as session:
        session.add(Chat(id=8011, language="ru", language_chosen=True))
    await bot.restart()
    async with bot.services.sessions.begin() as session:
        session.add(Chat(id=8012, language="ru", language_chosen=True))
    for chat_id in (8011, 8012):
        user = api.user(chat_id, language_code="en")
        await user.send("/help")
        assert (await user.expect(kind="message")).text.startswith(help_header)
