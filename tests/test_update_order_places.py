"""How many updates are handled at once (bot/update_order.py): a chat's updates that wait for
its turn take no place from other chats, and no more than the bound are handled together."""

from __future__ import annotations

import asyncio

from bot.update_order import PerChatOrder
from tests.test_update_order import update_in


async def test_a_chat_waiting_for_its_turn_keeps_no_other_chat_out() -> None:
    # Two places: one chat's first update holds one, and its queued ones must not take the other.
    processor = PerChatOrder(max_at_once=2)
    release_first = asyncio.Event()
    handled: list[str] = []

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        handled.append(name)

    busy = [asyncio.create_task(processor.process_update(
        update_in(1, n), handle(f"1:{n}", release_first if n == 1 else None)))
        for n in range(1, 6)]
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(update_in(2, 9), handle("2")), 5)
    assert handled == ["2"]
    release_first.set()
    await asyncio.wait_for(asyncio.gather(*busy), 5)
    assert handled == ["2", "1:1", "1:2", "1:3", "1:4", "1:5"]


async def test_no_more_updates_are_handled_at_once_than_the_bound() -> None:
    processor = PerChatOrder(max_at_once=3)
    release = asyncio.Event()
    in_progress, most = 0, 0

    async def handle() -> None:
        nonlocal in_progress, most
        in_progress += 1
        most = max(most, in_progress)
        await release.wait()
        in_progress -= 1

    tasks = [asyncio.create_task(processor.process_update(update_in(chat, chat), handle()))
             for chat in range(1, 11)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert in_progress == 3
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert most == 3
