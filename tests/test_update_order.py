"""Updates of different chats are handled at once, one chat's in order (bot/update_order.py)."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.update_order import PerChatOrder


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, text="hi"))  # type: ignore[arg-type]


async def test_one_chat_waits_for_itself_and_never_for_another() -> None:
    processor = PerChatOrder()
    await processor.initialize()
    log: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"{name} starts")
        if wait is not None:
            await wait.wait()
        log.append(f"{name} ends")

    first = asyncio.create_task(processor.process_update(
        update_in(1, 1), handle("chat 1, first", release_first)))
    second = asyncio.create_task(
        processor.process_update(update_in(1, 2), handle("chat 1, second")))
    other = asyncio.create_task(processor.process_update(update_in(2, 3), handle("chat 2")))
    await asyncio.wait_for(other, 5)  # chat 2 went while chat 1's first update still waits
    assert log == ["chat 1, first starts", "chat 2 starts", "chat 2 ends"]
    release_first.set()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert log[3:] == ["chat 1, first ends", "chat 1, second starts", "chat 1, second ends"]
    assert processor.busy_chats == 0  # nothing kept for chats with nothing in progress
    await processor.shutdown()
