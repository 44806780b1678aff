"""Updates handled per second: Back Coach's /start and /help beside a bare echo bot.

Not a test: it prints figures and takes about two minutes. The yardstick is the smallest bot
python-telegram-bot makes: an Application with its default settings (one update at a time)
and one MessageHandler that replies with the text it got. Back Coach is built and run as
``backcoach`` does it, except for its rate limiter, ``bot.sending.limiter.Unlimited``, which
sends every call at once: what is measured is the cost of handling an update, not Telegram's
limits. Back Coach makes its requests with aiohttp (bot/sending/http.py), the echo bots with
python-telegram-bot's default, httpx. It logs at LOG_LEVEL (INFO unless set), as in
production, and leaves out the exercise pictures, whose drawing at start would take CPU from
the measured part (neither command sends one). The echo bot handling as many updates at once
as Back Coach does (``bot.update_order.MAX_AT_ONCE``), over as many HTTP connections at most
(``BACKCOACH_HTTP_CONNECTIONS``'s default), shows what that costs python-telegram-bot itself.
(With python-telegram-bot's own 256 connections, it handled 0.6-0.7 times as many as the
plain echo bot: httpx's pool goes over every connection it keeps, for each of them, on every
request.)

Each case is a bot in a child process of its own, with its own fake Bot API (bot/fakeapi/,
no rate limit) and fresh database: SQLite in a temporary folder, or a new database on the
PostgreSQL server that DATABASE_URL names (dropped afterwards). The fake APIs run in this
process: sharing a bot's event loop, and so one of two cores, a server would charge its own
work, the same for every bot, to each bot's time, and flatter the slower one. How busy each
side was is printed, so a fake server that became the limit would show.

The bots start together, are warmed up (one update from each of 100 other chats), and then
take turns, idle while another is measured: on a machine that other work shares, the bots
compared within a round meet about the same load, and the ratios are taken round by round.
In each round each bot has two measured parts, from ``--chats`` people new to it (half with
Telegram in English, half in Russian): first contact, one update from each; and returning,
``--updates`` more, spread evenly over the same people. A part's updates are queued at once;
its figures are their number over the time from queueing them to the last reply reaching the
fake server, and the bot's CPU time per update (the steadier figure on a busy machine). Only
replies that are exactly the expected text in the chat's language count (the greeting with
the person's name, the list of commands, the text itself for the echo bots); a part with any
other reply, or a failed call, is reported as invalid, without figures.

    python -m benchmarks.bench_throughput [--chats 500] [--updates 2000] [--rounds 3]
        [--cases echo,echo-at-once,start,help] [--sql] [--profile DIR]

The cases start-webhook and help-webhook run Back Coach with a webhook instead of long
polling: the fake Bot API posts each update to it, one at a time, as Telegram does.

--sql prints what Back Coach asked of the database per update: each kind of statement (never
its parameters), each pooled connection taken (which on PostgreSQL pings it first), each
commit and rollback; the reminders' dispatcher, which looks for due reminders every few
seconds, counts too. --profile also does, and writes a cProfile of each measured part of each
bot to DIR (the figures of a profiled run are not comparable with others).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application, check_database, configure_logging, make_services
from bot.app import run as run_back_coach_bot
from bot.config import HTTP_CONNECTIONS_DEFAULT, Settings
from bot.content import Content, load_content
from bot.fakeapi import ApiCall, FakeBotAPI
from bot.ops.webhook import webhook_of
from bot.sending.limiter import Unlimited
from bot.update_order import MAX_AT_ONCE
from handlers import ALLOWED_UPDATES, register
from handlers.menu import menu_lines
from tests.harness import PICTURE_CACHE, VOICE_CACHE, fresh_database, webhook_environment

ROOT = Path(__file__).resolve().parent.parent
FIRST_CHAT = 20_000_000
WARM_UP_CHAT = 10_000_000
WARM_UP_UPDATES = 100
LANGUAGES = ("en", "ru")
NAME = "Ann"
REPLY_TIMEOUT = 300.0
# What the child bot prints on its standard output when a measured part opens and closes.
OPENED, CLOSED = "window-open", "window-closed"

ECHO, ECHO_AT_ONCE, BACK_COACH = "echo", "echo-at-once", "backcoach"
# Back Coach with a webhook (bot/ops/webhook.py): the fake Bot API posts each update to it.
BACK_COACH_WEBHOOK = "backcoach-webhook"
BACK_COACH_BOTS = (BACK_COACH, BACK_COACH_WEBHOOK)
# Each case: the bot, and the command every update carries (the echo bots answer "/start").
CASES = {"echo": (ECHO, "/start"), "echo-at-once": (ECHO_AT_ONCE, "/start"),
         "start": (BACK_COACH, "/start"), "help": (BACK_COACH, "/help"),
         "start-webhook": (BACK_COACH_WEBHOOK, "/start"),
         "help-webhook": (BACK_COACH_WEBHOOK, "/help")}
DEFAULT_CASES = ("echo", "echo-at-once", "start", "help")


# --- the bot, in its own process -----------------------------------------------------------


class MeasuredWindow:
    """In the bot's process: between SIGUSR1 and SIGUSR2, CPU time, what went to the database
    and (with a profile path) a cProfile of everything the bot does."""

    def __init__(self, profile: str | None) -> None:
        self.profile, self.parts, self.cpu_at_open = profile, 0, 0.0
        self.statements: Counter[str] = Counter()
        self.profiler: cProfile.Profile | None = None

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self.count_statement)
        for name in ("commit", "rollback"):
            event.listen(engine, name, partial(self.count, f"({name})"))
        event.listen(engine.pool, "checkout", partial(self.count, "(connection taken)"))

    def count_statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The kind of statement only: its parameters can hold health answers.
        self.count(" ".join(statement.split())[:90])

    def count(self, what: str, *_: Any) -> None:
        self.statements[what] += 1

    def open(self) -> None:
        self.statements.clear()
        self.cpu_at_open = time.process_time()
        if self.profile:
            self.profiler = cProfile.Profile()
            self.profiler.enable()
        print(OPENED, flush=True)

    def close(self) -> None:
        if self.profiler is not None:
            self.profiler.disable()
            self.parts += 1
            self.profiler.dump_stats(f"{self.profile}-{self.parts}.prof")
            self.profiler = None
        report = {"cpu": time.process_time() - self.cpu_at_open,
                  "statements": dict(self.statements)}
        print(CLOSED + " " + json.dumps(report), flush=True)

    def install(self, application: Application) -> None:
        """Opens and closes on the signals, once the bot is connected."""
        started = application.post_init

        async def post_init(app: Application) -> None:
            if started is not None:
                await started(app)
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR1, self.open)
            loop.add_signal_handler(signal.SIGUSR2, self.close)

        application.post_init = post_init


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def run_back_coach(window: MeasuredWindow) -> None:
    """As ``backcoach`` runs (bot/__main__.py), but with every call sent at once."""
    settings = Settings.from_env()
    configure_logging(settings)
    asyncio.run(check_database(settings))
    webhook = asyncio.run(webhook_of(settings))
    services = replace(make_services(settings), pictures=None)
    window.watch(services.engine.sync_engine)
    application = build_application(services, register, rate_limiter=Unlimited())
    window.install(application)
    run_back_coach_bot(application, allowed_updates=ALLOWED_UPDATES, webhook=webhook)


def run_bot(kind: str, profile: str | None) -> None:
    window = MeasuredWindow(profile)
    if kind in BACK_COACH_BOTS:
        run_back_coach(window)
        return
    builder = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    builder = builder.base_url(os.environ["TELEGRAM_API_URL"])
    if kind == ECHO_AT_ONCE:
        builder = builder.concurrent_updates(MAX_AT_ONCE).connection_pool_size(
            HTTP_CONNECTIONS_DEFAULT)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    window.install(application)
    application.run_polling()


# --- the measuring side --------------------------------------------------------------------


@dataclass
class Part:
    updates: int
    seconds: float
    bot_cpu: float
    server_cpu: float
    statements: dict[str, int]
    wrong: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return None if self.wrong else self.updates / self.seconds


@dataclass
class Case:
    name: str  # a key of CASES
    bot: str
    command: str
    label: str = ""
    # For each round, its parts by name: "first contact" and "returning".
    rounds: list[dict[str, Part]] = field(default_factory=list)


def expected_reply(content: Content, case: Case, language: str) -> str:
    if case.bot not in BACK_COACH_BOTS:
        return case.command
    if case.command == "/start":
        return (content.text("ui.start.greeting", language, name=NAME) + "\n\n"
                + content.text("ui.start.next_step", language))
    return "\n".join([content.text("ui.help.header", language), "",
                      *menu_lines(content, language), "", content.text("ui.help.footer", language)])


class Replies:
    """The bot's sendMessage calls to a set of chats, read from the server's log as they come."""

    def __init__(self, api: FakeBotAPI, expected: dict[int, str]) -> None:
        self.api, self.expected, self.read = api, expected, len(api.calls)
        self.right, self.last = 0, 0.0
        self.wrong: list[str] = []

    def count(self) -> int:
        calls: list[ApiCall] = self.api.calls
        for call in calls[self.read:]:
            if call.method != "sendMessage" or call.params.get("chat_id") not in self.expected:
                continue
            wanted = self.expected[call.params["chat_id"]]
            if call.error is None and call.params.get("text") == wanted:
                self.right, self.last = self.right + 1, call.timestamp
            else:
                self.wrong.append(call.error or f"unexpected reply {call.params.get('text')!r:.80}")
        self.read = len(calls)
        return self.right + len(self.wrong)


class Contender:
    """A case's bot in its own process, with its fake Bot API, idle between measured parts."""

    def __init__(self, case: Case, api: FakeBotAPI, process: asyncio.subprocess.Process,
                 stderr: Path, replies_by_language: dict[str, str]) -> None:
        self.case, self.api, self.process, self.stderr = case, api, process, stderr
        self.replies_by_language = replies_by_language

    def log(self) -> str:
        return self.stderr.read_text()[-3000:]

    async def signal_and_read(self, signum: int, prefix: str) -> str:
        self.process.send_signal(signum)
        assert self.process.stdout is not None
        while True:
            line = (await asyncio.wait_for(self.process.stdout.readline(), 60)).decode()
            if not line:
                raise RuntimeError(f"the bot ended:\n{self.log()}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    async def exchange(self, chats: Sequence[int], rounds: int) -> tuple[Replies, float]:
        """Queues ``rounds`` updates from each chat, in turn, and waits for every reply;
        returns the replies and the moment the updates were queued."""
        languages = {chat: LANGUAGES[chat % 2] for chat in chats}
        replies = Replies(self.api, {chat: self.replies_by_language[languages[chat]]
                                     for chat in chats})
        users = [self.api.user(chat, first_name=NAME, language_code=languages[chat])
                 for chat in chats]
        queued = time.monotonic()
        for _ in range(rounds):
            for user in users:
                await user.send(self.case.command)
        total = rounds * len(chats)
        await self.api.wait_until(lambda: replies.count() >= total, timeout=REPLY_TIMEOUT)
        return replies, queued

    async def part(self, chats: Sequence[int], rounds: int) -> Part:
        await self.signal_and_read(signal.SIGUSR1, OPENED)
        server_cpu = time.process_time()
        replies, queued = await self.exchange(chats, rounds)
        server_cpu = time.process_time() - server_cpu
        report = json.loads(await self.signal_and_read(signal.SIGUSR2, CLOSED))
        return Part(rounds * len(chats), replies.last - queued, report["cpu"], server_cpu,
                    report["statements"], replies.wrong)

    async def measure(self, round_number: int, args: argparse.Namespace) -> None:
        """One round: people the bot has never heard from, then more from the same people."""
        first = FIRST_CHAT + round_number * args.chats
        chats = range(first, first + args.chats)
        self.case.rounds.append({
            "first contact": await self.part(chats, 1),
            "returning": await self.part(chats, max(1, args.updates // args.chats)),
        })


@contextlib.asynccontextmanager
async def running(case: Case, args: argparse.Namespace,
                  content: Content) -> AsyncIterator[Contender]:
    """The case's bot started, connected and warmed up; stopped on the way out."""
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as url:
            path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path,
                   "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url,
                   "DATABASE_URL": url, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
                   "BACKCOACH_VOICE_CACHE": str(VOICE_CACHE),
                   "BACKCOACH_PICTURE_CACHE": str(PICTURE_CACHE),
                   **(webhook_environment() if case.bot == BACK_COACH_WEBHOOK else {})}
            arguments = ["-m", "benchmarks.bench_throughput", "--as-bot", case.bot]
            if args.profile:
                arguments += ["--profile", f"{args.profile}/{case.name}"]
            stderr = Path(folder) / "bot-stderr.log"
            with stderr.open("wb") as log:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, *arguments, env=env, cwd=folder,
                    stdout=asyncio.subprocess.PIPE, stderr=log)
            contender = Contender(case, api, process, stderr, {
                language: expected_reply(content, case, language) for language in LANGUAGES})
            try:
                await api.wait_until(lambda: bool(api.calls_to("getUpdates"))
                                     or api.webhook.webhook is not None
                                     or process.returncode is not None, timeout=120)
                if process.returncode is not None:
                    raise RuntimeError(f"the bot did not start:\n{contender.log()}")
                warm_up = range(WARM_UP_CHAT, WARM_UP_CHAT + WARM_UP_UPDATES)
                replies, _ = await contender.exchange(warm_up, 1)
                if replies.wrong:
                    raise RuntimeError(f"{case.name}: wrong replies: {replies.wrong[:3]}")
                mode = ", webhook" if case.bot == BACK_COACH_WEBHOOK else ""
                case.label = {ECHO: "echo", ECHO_AT_ONCE: f"echo, {MAX_AT_ONCE} at once"}.get(
                    case.bot, f"{case.command} ({make_url(url).get_backend_name()}{mode})")
                yield contender
            finally:
                await stop(process)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), 30)
    if process.returncode is None:
        process.kill()
        await process.wait()


def describe(part: Part, echo: Part | None) -> str:
    if part.rate is None:
        return (f"INVALID: {len(part.wrong)} wrong replies or failed calls, such as "
                f"{part.wrong[:2]}")
    ratio = f", {part.rate / echo.rate:.2f}x echo" if echo and echo.rate else ""
    sql = sum(n for what, n in part.statements.items() if not what.startswith("("))
    return (f"{part.updates} updates in {part.seconds:.2f} s = {part.rate:5.0f}/s{ratio}; "
            f"bot CPU {part.bot_cpu / part.updates * 1000:.2f} ms/update "
            f"({part.bot_cpu / part.seconds:.0%} busy), fake server "
            f"{part.server_cpu / part.seconds:.0%} busy; "
            f"SQL {sql / part.updates:.2f}/update")


def print_statements(parts: dict[str, Part]) -> None:
    for name, part in parts.items():
        for what, count in sorted(part.statements.items(), key=lambda item: -item[1]):
            print(f"    {name:<13} {count / part.updates:5.2f}/update ({count:5})  {what}")


async def main(args: argparse.Namespace) -> None:
    content = load_content()
    names = [name.strip() for name in args.cases.split(",") if name.strip()]
    if unknown := [name for name in names if name not in CASES]:
        raise SystemExit(f"unknown cases {unknown}: choose from {', '.join(CASES)}")
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
    cases = [Case(name, *CASES[name]) for name in names]
    echo = next((case for case in cases if case.bot == ECHO), None)
    print(f"{args.chats} chats a round; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    async with contextlib.AsyncExitStack() as stack:
        contenders = [await stack.enter_async_context(running(case, args, content))
                      for case in cases]
        for number in range(args.rounds):
            # Each round in another order, so that no bot always meets the same moment.
            turn = number % len(contenders)
            for contender in contenders[turn:] + contenders[:turn]:
                await contender.measure(number, args)
            print(f"round {number + 1}:")
            for case in cases:
                for name, part in case.rounds[-1].items():
                    baseline = echo.rounds[-1][name] if echo and case is not echo else None
                    print(f"  {case.label:<18} {name:<13} {describe(part, baseline)}")
                if (args.sql or args.profile) and case.bot in BACK_COACH_BOTS:
                    print_statements(case.rounds[-1])
    if args.rounds > 1:
        print_medians(cases, echo)


def print_medians(cases: list[Case], echo: Case | None) -> None:
    """Medians over the rounds; each ratio is taken against the echo bot of the same round."""
    print(f"medians of {len(cases[0].rounds)} rounds (bot CPU per update in brackets):")
    for case in cases:
        for name in case.rounds[0]:
            parts = [parts[name] for parts in case.rounds]
            if any(part.rate is None for part in parts):
                print(f"  {case.label:<18} {name:<13} INVALID in some round")
                continue
            rate = statistics.median(part.rate or 0 for part in parts)
            cpu = statistics.median(part.bot_cpu / part.updates for part in parts) * 1000
            echoed = [echo_parts[name].rate for echo_parts in echo.rounds] if echo else []
            ratios = [(part.rate or 0) / echo_rate
                      for part, echo_rate in zip(parts, echoed, strict=True) if echo_rate]
            ratio = (f", {statistics.median(ratios):.2f}x echo"
                     if ratios and case is not echo else "")
            print(f"  {case.label:<18} {name:<13} {rate:6.0f}/s{ratio} ({cpu:.2f} ms)")


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--updates", type=int, default=2000,
                        help="returning updates, spread evenly over the chats")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES),
                        help=f"of {', '.join(CASES)}")
    parser.add_argument("--profile", default=None, help="folder for the bot's cProfile files")
    parser.add_argument("--sql", action="store_true", help="what went to the database, by kind")
    # How this module starts each bot in its own process.
    parser.add_argument("--as-bot", choices=(ECHO, ECHO_AT_ONCE, *BACK_COACH_BOTS),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile and not args.as_bot:
        args.profile = str(Path(args.profile).resolve())
    return args


if __name__ == "__main__":
    arguments = parse_arguments()
    if arguments.as_bot:
        run_bot(arguments.as_bot, arguments.profile)
    else:
        asyncio.run(main(arguments))
