"""Files the bot made, sent through python-telegram-bot's real HTTP stack to the local Bot API:
a text under its picture as one message where the caption allows, each file uploaded once."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import HTTPXRequest

from bot import workouts
from bot.content import load_content
from bot.fakeapi import FakeBotAPI
from bot.pictures import PictureLibrary
from bot.sending.files import CAPTION_LIMIT, fits_caption, send_pictured
from bot.workout_text import exercise_card
from tests.harness import PICTURE_CACHE

MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Done", callback_data="done")]])


def drawn_picture(exercise_id: str = "crunch") -> Path:
    library = PictureLibrary(PICTURE_CACHE)  # drawn for every test (tests/conftest.py)
    try:
        return library.path_for(exercise_id)
    finally:
        library.close()


def bot_for(api: FakeBotAPI) -> Bot:
    return Bot(api.token, base_url=api.base_url, request=HTTPXRequest())


def test_the_caption_limit_counts_as_telegram_does() -> None:
    assert fits_caption("a" * CAPTION_LIMIT) and not fits_caption("a" * (CAPTION_LIMIT + 1))
    # An emoji outside the basic plane is two UTF-16 units, as Telegram counts it.
    assert fits_caption("🧘" * (CAPTION_LIMIT // 2))
    assert not fits_caption("🧘" * (CAPTION_LIMIT // 2) + "a")


async def test_a_text_goes_as_the_caption_of_its_picture_uploaded_once(api: FakeBotAPI) -> None:
    picture, file_ids = drawn_picture(), {}
    first_user, second_user = api.user(6001), api.user(6002)
    async with bot_for(api) as bot:
        first = await send_pictured(bot, first_user.id, picture, "Crunch\n1. Lie on your back",
                                    MARKUP, file_ids=file_ids)
        second = await send_pictured(bot, second_user.id, picture, "Crunch", file_ids=file_ids)
    seen = await first_user.expect("Crunch", kind="animation")
    assert seen.text == "Crunch\n1. Lie on your back" and seen.buttons == ["✅ Done"]
    assert seen.file == picture.read_bytes()
    assert first.caption == seen.text and second.caption == "Crunch"
    upload, by_id = api.calls_to("sendAnimation")
    assert upload.uploads["animation"].data == picture.read_bytes()
    assert not by_id.uploads and by_id.params["animation"] == first.animation.file_id
    assert file_ids == {picture.name: first.animation.file_id}
    assert (await second_user.expect("Crunch", kind="animation")).file == picture.read_bytes()
    assert not api.calls_to("sendMessage")


async def test_a_text_too_long_for_a_caption_follows_its_picture(api: FakeBotAPI) -> None:
    user, text = api.user(6003), "Superman\n" + "🧘" * (CAPTION_LIMIT // 2)
    async with bot_for(api) as bot:
        message = await send_pictured(bot, user.id, drawn_picture("superman"), text, MARKUP,
                                      file_ids={})
    picture = await user.expect(kind="animation")
    assert picture.text is None and picture.buttons == []
    after = await user.expect("Superman", kind="message")
    assert after.text == text and after.buttons == ["✅ Done"]
    assert message.message_id == after.message_id


async def test_without_a_picture_the_text_goes_alone(api: FakeBotAPI) -> None:
    user = api.user(6004)
    async with bot_for(api) as bot:
        await send_pictured(bot, user.id, None, "Crunch", MARKUP, file_ids={})
    assert (await user.expect("Crunch")).kind == "message"
    assert not api.calls_to("sendAnimation")


def test_every_card_fits_a_caption_so_it_comes_as_one_message() -> None:
    """In each language, at either dose, with the note a restart puts before it."""
    content = load_content()
    for language in content.languages:
        intro = content.text("workout.restart.interrupted", language)
        for harder in (False, True):
            run = workouts.new_run(content, harder=harder, auto_continue=True)
            for step in range(len(run.session)):
                card = exercise_card(content, language, run, step)
                assert fits_caption(f"{intro}\n\n{card}"), (language, step)
