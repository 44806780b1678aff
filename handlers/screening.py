"""The safety screen conversation: one yes/no question per message, then the outcome.

Progress lives in the database (``bot.screening``), not only in the conversation, so after a
restart a press on a question's button or a typed answer carries on where the person was.
Every button holds the screen's nonce and the question's number: a button from an earlier
screen, or from a question already answered, is recognised and changes nothing. A question
answered, by a button or by typing, shows the answer and loses its buttons.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import screening
from bot.app import services
from bot.content import Content, Question
from bot.models import utcnow
from bot.screening import Decision, Outcome, Purpose
from handlers.common import text

ASKING = 0

# scr:<nonce>:<question number>:<y|n|b>, and scr:again for "answer the questions again".
ANSWER_PATTERN = re.compile(r"^scr:([0-9a-f]{8}):(\d{1,2}):([ynb])$")
AGAIN = "scr:again"
WORKOUT_BEGIN = "wo:begin"  # handled by handlers.workout
# What follows a quick check that the workout began with: the workout's next step, set where the
# handlers are registered, since the workout is built on the screen and not the other way round.
AFTER_QUICK_CHECK_KEY = "after_quick_check"
# What handles text that turns out not to be an answer to the screen (handlers/typed.py).
OTHER_TEXT_KEY = "other_text"
AfterQuickCheck = Callable[[Update, ContextTypes.DEFAULT_TYPE, Decision], Awaitable[None]]
OtherText = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
# chat_data: the question on screen with live buttons, so that a typed answer can close it.
OPEN_QUESTION_KEY = "screen_open_question"


@dataclass(frozen=True)
class Progress:
    """What the screen looks like after an answer was applied."""

    purpose: Purpose
    questions: tuple[Question, ...]
    answers: list[tuple[str, bool]]
    nonce: str
    next_question: Question | None
    decision: Decision | None


def build_conversation(
    content: Content, timeout_seconds: float, also_starting_with: Sequence[BaseHandler]
) -> ConversationHandler:
    """The screen; ``also_starting_with`` are other ways in, such as /workout's quick check."""
    typed_answer = filters.TEXT & ~filters.COMMAND
    private = filters.ChatType.PRIVATE
    return ConversationHandler(
        entry_points=[
            CommandHandler("screen", start_screen, filters=private),
            CallbackQueryHandler(start_screen, pattern=f"^{AGAIN}$"),
            *also_starting_with,
            # After a restart the conversation is forgotten but the draft is not.
            CallbackQueryHandler(on_button, pattern=ANSWER_PATTERN),
            MessageHandler(private & filters.Regex(yes_no_pattern(content)), on_typed_outside),
        ],
        states={
            ASKING: [
                CallbackQueryHandler(on_button, pattern=ANSWER_PATTERN),
                MessageHandler(typed_answer, on_typed),
            ],
            ConversationHandler.TIMEOUT: [
                MessageHandler(filters.ALL, on_timeout),
                CallbackQueryHandler(on_timeout),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        conversation_timeout=timeout_seconds,
        name="screening",
    )


def yes_no_pattern(content: Content) -> re.Pattern[str]:
    words = {w for lang in content.languages for w in typed_words(content, lang)}
    return re.compile(rf"^\s*({'|'.join(map(re.escape, sorted(words)))})[\s.!]*$", re.IGNORECASE)


def typed_words(content: Content, lang: str) -> dict[str, bool]:
    words = {w: True for w in content.text_list("ui.screen.yes_words", lang)}
    words.update({w: False for w in content.text_list("ui.screen.no_words", lang)})
    return words


def read_typed_answer(content: Content, typed: str) -> bool | None:
    word = typed.strip().rstrip(".!").strip().lower()
    for lang in content.languages:
        if word in (words := typed_words(content, lang)):
            return words[word]
    return None


# --- the steps ---------------------------------------------------------------------------


async def start_screen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    return await start_check(update, context, Purpose.FULL)


INTRO = {Purpose.FULL: "screening.intro", Purpose.RECHECK: "screening.recheck.intro"}


async def start_check(
    update: Update, context: ContextTypes.DEFAULT_TYPE, purpose: Purpose
) -> int:
    """The full screen, or the quick check of passing conditions before a workout."""
    content, chat_id = services(context).content, update.effective_chat.id
    async with services(context).sessions.begin() as session:
        draft = await screening.start_draft(session, chat_id, purpose)
        nonce = draft.nonce
    questions = screening.questions_for(content, purpose)
    await context.bot.send_message(chat_id, text(update, context, INTRO[purpose]))
    await send_question(update, context, questions, [], nonce)
    return ASKING


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    query = update.callback_query
    match = ANSWER_PATTERN.match(query.data or "")
    if match is None or query.message is None:
        await query.answer(text(update, context, "ui.screen.stale"))
        return None
    if query.from_user.id != query.message.chat.id:
        await query.answer(text(update, context, "ui.screen.not_yours"))
        return None
    nonce, number, choice = match.group(1), int(match.group(2)), match.group(3)
    outcome = await apply_answer(update, context, nonce=nonce, number=number, choice=choice)
    if isinstance(outcome, str):
        await query.answer(text(update, context, outcome))
        return ConversationHandler.END if outcome == "ui.screen.stale" else None
    await query.answer()
    context.chat_data.pop(OPEN_QUESTION_KEY, None)
    await query.edit_message_text(
        f"{query.message.text}\n\n{text(update, context, ANSWERED[choice])}", reply_markup=None
    )
    return await show_progress(update, context, outcome)


async def on_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    content = services(context).content
    yes = read_typed_answer(content, update.effective_message.text or "")
    if yes is None:
        await update.effective_message.reply_text(text(update, context, "ui.screen.unclear"))
        return await resend_current_question(update, context)
    choice = "y" if yes else "n"
    outcome = await apply_answer(update, context, nonce=None, number=None, choice=choice)
    if isinstance(outcome, str):
        await update.effective_message.reply_text(text(update, context, outcome))
        return ConversationHandler.END
    await close_open_question(update, context, outcome.nonce, ANSWERED[choice])
    return await show_progress(update, context, outcome)


async def on_typed_outside(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """"yes" or "no" typed with no screen under way in this process: an answer to a screen
    whose draft outlived a restart, or else to another question (``OTHER_TEXT_KEY``)."""
    async with services(context).sessions() as session:
        draft = await screening.load_draft(session, update.effective_chat.id)
    if draft is None:
        other_text: OtherText = context.bot_data[OTHER_TEXT_KEY]
        await other_text(update, context)
        return ConversationHandler.END
    return await on_typed(update, context)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    async with services(context).sessions.begin() as session:
        had_draft = await screening.discard_draft(session, update.effective_chat.id)
    key = "ui.screen.cancelled" if had_draft else "ui.screen.nothing_to_cancel"
    await update.effective_message.reply_text(text(update, context, key))
    return ConversationHandler.END


async def on_timeout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    async with services(context).sessions.begin() as session:
        await screening.discard_draft(session, update.effective_chat.id)
    await context.bot.send_message(
        update.effective_chat.id, text(update, context, "ui.screen.timed_out")
    )
    return ConversationHandler.END


# --- applying answers --------------------------------------------------------------------


async def apply_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, nonce: str | None,
    number: int | None, choice: str,
) -> Progress | str:
    """Record one answer (or a step back); a text key is returned when nothing was changed."""
    content, chat_id = services(context).content, update.effective_chat.id
    async with services(context).sessions.begin() as session:
        draft = await screening.load_draft(session, chat_id)
        if draft is None or (nonce is not None and draft.nonce != nonce):
            return "ui.screen.stale"
        if screening.draft_is_stale(draft, utcnow()):
            await session.delete(draft)
            return "ui.screen.stale"
        purpose = Purpose(draft.purpose)
        questions = screening.questions_for(content, purpose)
        answers = screening.draft_answers(draft)
        current = screening.next_question(questions, answers)
        if current is None or (number is not None and number != len(answers)):
            return "ui.screen.already_answered"
        if choice == "b":
            if not answers:
                return "ui.screen.already_answered"
            screening.go_back(draft)
        else:
            screening.answer(draft, current, choice == "y")
        answers = screening.draft_answers(draft)
        following = screening.next_question(questions, answers)
        decision = None
        if following is None:
            decision = screening.decide(questions, dict(answers))
            if screening.is_kept(purpose, decision):
                await screening.store_result(session, chat_id, answers, decision)
            await session.delete(draft)
        return Progress(purpose, questions, answers, draft.nonce, following, decision)


async def show_progress(
    update: Update, context: ContextTypes.DEFAULT_TYPE, progress: Progress
) -> int:
    if progress.decision is None:
        await send_question(update, context, progress.questions, progress.answers, progress.nonce)
        return ASKING
    if progress.purpose is Purpose.RECHECK and progress.decision.outcome is not Outcome.URGENT:
        after_quick_check: AfterQuickCheck = context.bot_data[AFTER_QUICK_CHECK_KEY]
        await after_quick_check(update, context, progress.decision)
    else:
        await send_outcome(update, context, progress.decision)
    return ConversationHandler.END


async def resend_current_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    content, chat_id = services(context).content, update.effective_chat.id
    async with services(context).sessions.begin() as session:
        draft = await screening.load_draft(session, chat_id)
        if draft is None or screening.draft_is_stale(draft, utcnow()):
            await update.effective_message.reply_text(text(update, context, "ui.screen.stale"))
            return ConversationHandler.END
        questions = screening.questions_for(content, Purpose(draft.purpose))
        answers, nonce = screening.draft_answers(draft), draft.nonce
    await send_question(update, context, questions, answers, nonce)
    return ASKING


# --- what the person sees ----------------------------------------------------------------


async def send_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, questions: tuple[Question, ...],
    answers: list[tuple[str, bool]], nonce: str,
) -> None:
    question = screening.next_question(questions, answers)
    assert question is not None, "the screen is already complete"
    number = len(answers)
    lines = [
        text(update, context, "ui.screen.progress", number=number + 1, total=len(questions)),
        "",
        text(update, context, f"screening.questions.{question.id}.question"),
    ]
    data = f"scr:{nonce}:{number}:"
    rows = [[
        InlineKeyboardButton(text(update, context, "ui.screen.yes"), callback_data=data + "y"),
        InlineKeyboardButton(text(update, context, "ui.screen.no"), callback_data=data + "n"),
    ]]
    if number:
        rows.append([
            InlineKeyboardButton(text(update, context, "ui.screen.back"), callback_data=data + "b")
        ])
    shown = "\n".join(lines)
    sent = await context.bot.send_message(
        update.effective_chat.id, shown, reply_markup=InlineKeyboardMarkup(rows)
    )
    context.chat_data[OPEN_QUESTION_KEY] = (nonce, sent.message_id, shown)


ANSWERED = {
    "y": "ui.screen.answered_yes", "n": "ui.screen.answered_no", "b": "ui.screen.went_back",
}


async def close_open_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, nonce: str, answered: str
) -> None:
    """Show a typed answer on the question and take its buttons off, as a press does. After a
    restart the question is not known; its buttons then answer "already answered"."""
    open_question = context.chat_data.pop(OPEN_QUESTION_KEY, None)
    if open_question is None or open_question[0] != nonce:
        return
    _, message_id, shown = open_question
    with contextlib.suppress(TelegramError):  # deleted, or too old to edit: nothing to close
        await context.bot.edit_message_text(
            f"{shown}\n\n{text(update, context, answered)}", update.effective_chat.id,
            message_id, reply_markup=None,
        )


OUTCOME_TEXT = {
    Outcome.CLEARED: "screening.outcome.cleared",
    Outcome.URGENT: "screening.outcome.urgent",
    Outcome.SEE_DOCTOR: "screening.outcome.blocked",
    Outcome.THERAPEUTIC: "screening.outcome.diagnosis",
}


def reasons_text(update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision) -> str:
    return "\n".join(
        text(update, context, "ui.screen.reason_line",
             reason=text(update, context, f"screening.questions.{q.id}.reason"))
        for q in decision.reasons
    )


async def send_outcome(
    update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision
) -> None:
    reasons = reasons_text(update, context, decision)
    message = text(update, context, OUTCOME_TEXT[decision.outcome], reasons=reasons)
    if decision.outcome is Outcome.URGENT:
        # The urgent advice is also repeated on its own (by /workout), so it has no {reasons}:
        # what was answered follows it.
        message = f"{message}\n\n{reasons}"
    await context.bot.send_message(
        update.effective_chat.id, message, reply_markup=outcome_keyboard(update, context, decision)
    )


def screen_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardButton:
    return InlineKeyboardButton(text(update, context, "workout.gate.screen_button"),
                                callback_data=AGAIN)


def outcome_keyboard(
    update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision
) -> InlineKeyboardMarkup | None:
    if decision.allows_exercise:
        return InlineKeyboardMarkup([[InlineKeyboardButton(
            text(update, context, "ui.screen.workout_button"), callback_data=WORKOUT_BEGIN
        )]])
    again = [InlineKeyboardButton(text(update, context, "ui.screen.rescreen_button"),
                                  callback_data=AGAIN)]
    if decision.outcome is Outcome.URGENT:
        # Getting help comes first; the habits start with a 6-8 km walk, which is not for now.
        return InlineKeyboardMarkup([again])
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(text(update, context, "ui.screen.tips_button"),
                              callback_data="tips:0")],
        again,
    ])
