"""/progress: the workouts a person has done, with how their back felt before and after."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import workouts
from bot.app import services
from bot.workout_text import minutes
from handlers.common import text


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions() as session:
        totals = await workouts.totals(session, chat_id)
        recent = await workouts.recent_workouts(session, chat_id)
    if not recent:
        await update.effective_message.reply_text(text(update, context, "workout.progress.none"))
        return
    lines = [text(update, context, "workout.progress.header", count=totals.finished), ""]
    for workout in recent:
        line = text(
            update, context, "workout.progress.line",
            date=workout.finished_at.date().isoformat(), done=workout.exercises_done,
            skipped=workout.exercises_skipped, minutes=minutes(workout.active_seconds),
        )
        if workout.feeling_before is not None or workout.feeling_after is not None:
            line += text(
                update, context, "workout.progress.feeling",
                before=dash(workout.feeling_before), after=dash(workout.feeling_after),
            )
        lines.append(line)
    await update.effective_message.reply_text("\n".join(lines))


def dash(value: int | None) -> str:
    return "\N{EN DASH}" if value is None else str(value)
