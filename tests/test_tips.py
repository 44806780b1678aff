"""/tips: one habit at a time, with back and next, and from the first one again after the last;
each turn edits the same message."""

from __future__ import annotations

from bot.content import load_content
from bot.fakeapi import FakeBotAPI
from tests.harness import RunningBot

CONTENT = load_content()


async def test_tips_go_back_and_forth_and_start_again_after_the_last(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user, count = api.user(7801), len(CONTENT.tip_ids)
    await user.send("/tips")
    first = await user.expect(f"(1/{count})")
    assert first.buttons == ["Next tip ▶️"]
    for number in range(2, count + 1):
        await user.press("Next tip", message_id=first.message_id)
        page = await user.expect(f"({number}/{count})", kind="edit")
        assert page.message_id == first.message_id
    assert page.buttons == ["◀️ Back", "🔁 From the first tip"]
    await user.press("Back", message_id=first.message_id)
    back = await user.expect(f"({count - 1}/{count})", kind="edit")
    assert back.buttons == ["◀️ Back", "Next tip ▶️"]
    await user.press("Next tip", message_id=first.message_id)
    await user.expect(f"({count}/{count})", kind="edit")
    await user.press("From the first tip", message_id=first.message_id)
    again = await user.expect(f"(1/{count})", kind="edit")
    assert again.message_id == first.message_id and again.buttons == ["Next tip ▶️"]


async def test_tips_in_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7802, language_code="ru")
    await user.send("/tips")
    first = await user.expect("(1/")
    await user.press("Следующий совет", message_id=first.message_id)
    second = await user.expect("(2/", kind="edit")
    assert second.buttons == ["◀️ Назад", "Следующий совет ▶️"]
    await user.press("Назад", message_id=first.message_id)
    await user.expect("(1/", kind="edit")
