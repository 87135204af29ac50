"""Load test: the real ``checkbot telegram`` against a bare PTB echo bot at its best, and a human pace.

    python bench/load.py                       # capacity at 10, 50, 200 users, then the human-paced run
    python bench/load.py --capacity 10 50      # capacity only, these user counts
    python bench/load.py --human               # the human-paced run only
    python bench/load.py --profile DIR ...     # the bots under py-spy (pip install py-spy into .venv)
    python bench/load.py --capacity 10 --sides checkbot --held   # how long transactions hold SQLite

The Bot API emulator (``tests.emulator``) runs in this process on 127.0.0.1;
the bots are subprocesses configured through the environment only
(TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, CHECKBOT_DB in a temporary
directory, CHECKBOT_MAX_RATE).

**Capacity** (send cap lifted: CHECKBOT_MAX_RATE=100000, no flood control):
K users do a complete assessment as fast as they can: ``/start``, the
municipality, the 24 answers and the four "Verder naar thema N" presses (30
updates each); a user acts as soon as the screen they act on is there (a new
message, or the pressed message edited into the next question). The same
traffic goes to ``bench/echo_bot.py`` in PTB's two modes, sequential (PTB's
default) and ``concurrent_updates(True)``, and sequential on uvloop, the event
loop checkbot runs on (``echo-seq-uvloop``), making the same Bot API calls per
tap as checkbot (``ECHO_STYLE``: taken from what checkbot did in its first run)
over as many pooled connections. The runs are interleaved (checkbot, then each
echo mode, and again: A B C D A B C D); per side the median of its rounds
counts, and checkbot is compared with the FASTEST echo mode. ``--sides`` can
add ``checkbot-asyncio``: checkbot on asyncio's own loop
(``CHECKBOT_EVENT_LOOP=asyncio``), to see what uvloop buys. Targets: throughput >= 0.8x, p99 <= 1.5x.
A round at 10 users is 300 updates, about 4 s, and on this 2-core machine the
same code gave 67 to 102 updates/s from one such round to the next; so each
side runs at least MIN_UPDATES updates in all (10 users: 5 rounds, not 2).

**Human pace** (flood control on: 30/s overall, 1/s per chat, 429 beyond;
CHECKBOT_MAX_RATE at its default): 100 users start, give their municipality
and answer the first QUESTIONS questions, reading each for 2-8 s (uniform)
before tapping. Reported: tap -> next question on screen p50/p95/p99, the
messages sent or edited per tap, 429s, unanswered callback queries, and the
answers in the database against the taps. Targets: p95 <= 1.0 s, <= 1.2
messages per tap, no answer lost.

**Holding the connection** (``--held``): checkbot runs as ``bench/held.py``,
which times every transaction from getting the one SQLite connection to
letting go of it; per round: transactions while the users tapped, the time
each held the connection (mean, p50), the share of the run it was held, the
mean wait for it, and the CPU time its hops took on the database thread;
and for the first hop of a transaction and the later ones apart, the mean
time from sending a hop until the database thread runs it, there, and back. Where that share nears 100 %, the connection is what
the users queue for.

Everything is bounded: a step waits at most STEP_TIMEOUT seconds, a run at
most RUN_TIMEOUT, and a watchdog kills a bot that hangs anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# run as a script, bench/ is sys.path[0]; bench/storage.py must not shadow the storage package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() not in (ROOT, ROOT / "bench")]

from tests.emulator import BotApiEmulator  # noqa: E402
from tests.emulator.flood import counts  # noqa: E402
from tests.emulator.model import ChatEvent, Message  # noqa: E402

UNLIMITED = "100000"  # CHECKBOT_MAX_RATE that lifts every send limit
STEP_TIMEOUT = 60.0
RUN_TIMEOUT = 600.0
ANSWERS = ["Ja", "Nee", "Deels", "Weet ik niet", "Ja", "Ja"]
TOWNS = ["Enschede", "Utrecht", "Almere", "Zwolle", "Breda", "Groningen", "Leiden", "Delft", "Tilburg", "Arnhem"]
TARGET_THROUGHPUT = 0.8
TARGET_P99 = 1.5
TARGET_HUMAN_P95 = 1.0
TARGET_PER_TAP = 1.2
READING = (2.0, 8.0)
SETTLE = 2.0  # seconds after the first getUpdates before users start: start-up work is not load
MIN_UPDATES = 1500  # per side and user count, over all its rounds (short rounds vary a lot)
# the baseline's modes (bench/echo_bot.py's environment); checkbot is compared with the fastest
ECHO_SIDES = {
    "echo-seq": {"ECHO_CONCURRENT_UPDATES": "0"},
    "echo-conc": {"ECHO_CONCURRENT_UPDATES": "256"},
    "echo-seq-uvloop": {"ECHO_CONCURRENT_UPDATES": "0", "ECHO_EVENT_LOOP": "uvloop"},
}
CHECKBOT_SIDES = {"checkbot-asyncio": {"CHECKBOT_EVENT_LOOP": "asyncio"}}  # variants, on request (--sides)


@dataclass
class Side:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    name: str
    users: int
    updates: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    tap_latencies: list[float] = field(default_factory=list)
    taps: int = 0
    tap_messages: int = 0  # messages sent or edited (ok) in the users' chats from their first tap on
    messages_per_update: float = 0.0
    flood_429: int = 0
    unanswered: int = 0
    answers_stored: int | None = None
    answers_expected: int = 0
    rss_ready_kb: int = 0
    hwm_kb: int = 0
    cpu_s: float = 0.0
    load_cpu_s: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)  # monotonic: the first update queued, the last screen shown
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    def pct(self, q: float, values: list[float] | None = None) -> float:
        data = self.latencies if values is None else values
        if not data:
            return float("nan")
        ordered = sorted(data)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# --- waiting for the screen a user acts on -------------------------------------------------------


class ScreenMonitor:
    """Wakes each waiting user when the screen they act on next is there.

    That screen is a bot message (new, or edited in place) that ``is_screen``
    accepts. One task watches the emulator and checks only the chats whose
    users wait: waking every user on every change costs more CPU than the bots
    at a few hundred users.
    """

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._world = emulator.world
        self._waiting: dict[int, tuple[list[ChatEvent], int, Callable[[Message], bool], asyncio.Future[ChatEvent]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)

    def expect(self, chat_id: int, since: int, match: Callable[[Message], bool]) -> asyncio.Future[ChatEvent]:
        """A future for the first message or edit in the chat after event ``since`` that matches."""
        state = self._world.chat_state(chat_id)
        assert state is not None
        future: asyncio.Future[ChatEvent] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (state.events, since, match, future)
        self._check(chat_id)
        return future

    def _check(self, chat_id: int) -> None:
        events, cursor, match, future = self._waiting[chat_id]
        for index in range(cursor, len(events)):
            event = events[index]
            if event.kind in ("message", "edit") and event.message is not None and match(event.message):
                del self._waiting[chat_id]
                if not future.done():
                    future.set_result(event)
                return
        self._waiting[chat_id] = (events, len(events), match, future)

    async def _run(self) -> None:
        while not self._closing:
            await self._world.wait_for_change(1.0)
            for chat_id in list(self._waiting):
                self._check(chat_id)


def is_screen(message: Message) -> bool:
    """What a user acts on next: a keyboard (a question, a theme's end), the municipality prompt, the end.

    Before one message per tap the answered question was edited into a record without buttons
    first; that edit is not a screen, the new question after it is."""
    text = message.plain_text or ""
    return bool(message.keyboard()) or any(
        marker in text for marker in ("Voor welke gemeente", "Samenvatting –", "helemaal ingevuld")
    )


# --- one simulated user ---------------------------------------------------------------------------


def script(questions: int | None = None) -> list[str]:
    """The steps of an assessment (all 30, or up to the first ``questions`` answers)."""
    from content.loader import load_content

    content = load_content()
    steps = ["/start", "<town>"]
    for check in content.checks:
        if questions is not None and check.number > questions:
            break
        if check.number > 1 and check.theme_id != content.checks[check.number - 2].theme_id:
            steps.append(f"Verder naar thema {check.theme_id}")
        steps.append("<answer>")
    return steps


@dataclass
class Step:
    user_id: int
    tap: bool
    available: float  # loop time when the update was queued for the bot
    shown: float  # monotonic time of the event that showed the next screen


async def one_user(
    emulator: BotApiEmulator,
    monitor: ScreenMonitor,
    steps: list[str],
    index: int,
    out: list[Step],
    reading: tuple[float, float] | None,
) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(index)
    user_id = 10_000 + index
    u = emulator.user(user_id, first_name=f"U{index}")
    state = emulator.world.chat_state(user_id)
    assert state is not None
    screen: Message | None = None
    answered = 0
    for number, step in enumerate(steps):
        if reading is not None and number > 0:
            await asyncio.sleep(rng.uniform(*reading))
        since = len(state.events)
        tap = not step.startswith("/") and step != "<town>"
        if step.startswith("/"):
            await u.send_command(step)
        elif step == "<town>":
            await u.send_text(TOWNS[index % len(TOWNS)])
        else:
            assert screen is not None
            if step == "<answer>":
                label = ANSWERS[(answered + index) % len(ANSWERS)]
                answered += 1
            else:  # "Verder naar thema N"; the echo bot's keyboard has no such button: any button will do
                label = step if screen.find_button(step) is not None else "Ja"
            await u.press(label, message_id=screen.message_id)
        available = loop.time()
        try:
            event = await asyncio.wait_for(monitor.expect(user_id, since, is_screen), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise TimeoutError(f"user {user_id}: no screen after step {number} ({step}) within {STEP_TIMEOUT:.0f}s") from None
        assert event.message is not None
        screen = event.message
        out.append(Step(user_id, tap, available, event.at))


# --- the bot process ----------------------------------------------------------------------------


class Watchdog:
    """The hard bound: if a side hangs anyway, kill its bot and end this process."""

    def __init__(self, seconds: float, what: str) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self._what = what
        self._seconds = seconds
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        print(f"load test: {self._what} still running after {self._seconds:.0f} s; giving up", file=sys.stderr, flush=True)
        for proc in self.procs:
            proc.kill()
        os._exit(3)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, ... of a process, in kB."""
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if rest.strip().endswith("kB"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
    except OSError:
        return None
    return int(children[0]) if children else None


async def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return proc.poll()


async def run_side(
    side: Side,
    users: int,
    steps: list[str],
    workdir: Path,
    watchdog: Watchdog,
    *,
    human: bool = False,
    profile_dir: Path | None = None,
    tag: str = "",
) -> Result:
    result = Result(side.name, users)
    loop = asyncio.get_running_loop()
    emulator = BotApiEmulator(flood_control=human)
    await emulator.start()
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "CHECKBOT_MAX_RATE")}
    db = workdir / f"{side.name}{tag}.db"
    env.update(TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_BASE_URL=emulator.base_url, CHECKBOT_DB=str(db))
    if not human:
        env["CHECKBOT_MAX_RATE"] = UNLIMITED
    env.update(side.env)
    argv = list(side.argv)
    if profile_dir is not None:
        out = profile_dir / f"{side.name}{tag}.txt"
        spy = Path(sys.executable).with_name("py-spy")
        argv = [str(spy) if spy.exists() else "py-spy", "record", "--format", "raw", "--rate", "250",
                "--nonblocking", "-o", str(out), "--", *argv]
    log = (workdir / f"{side.name}{tag}.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    watchdog.procs.append(proc)
    monitor = ScreenMonitor(emulator)
    pid = proc.pid
    rows: list[Step] = []
    try:
        deadline = loop.time() + 60
        while not emulator.calls("getUpdates"):
            if proc.poll() is not None or loop.time() > deadline:
                raise RuntimeError(f"{side.name} did not start; see {workdir / (side.name + tag + '.log')}")
            await asyncio.sleep(0.05)
        if profile_dir is not None:
            pid = child_pid(proc.pid) or proc.pid
        await asyncio.sleep(SETTLE)  # let start-up finish (setMyCommands, inbox replay, the question model)
        result.rss_ready_kb = proc_status(pid).get("VmRSS", 0)
        cpu0, load0 = proc_cpu(pid), time.process_time()
        monitor.start()
        reading = READING if human else None
        runs = [one_user(emulator, monitor, steps, i, rows, reading) for i in range(users)]
        try:
            await asyncio.wait_for(asyncio.gather(*runs), RUN_TIMEOUT)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            result.errors.append(f"stopped: {exc or 'run timeout'}")
        result.hwm_kb = proc_status(pid).get("VmHWM", 0)
        result.cpu_s = proc_cpu(pid) - cpu0
        result.load_cpu_s = time.process_time() - load0
        await asyncio.sleep(0.5)  # calls still in flight after the last screen (answers to queries)
    finally:
        await monitor.stop()
        if proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            if await wait_exit(proc, 30) is None:
                proc.kill()
                result.errors.append("did not stop within 30 s of SIGTERM")
        log.close()
        await emulator.stop()
    summarize(result, rows, emulator)
    if side.name == "checkbot" and db.exists():
        with sqlite3.connect(db) as conn:
            result.answers_stored = conn.execute("SELECT count(*) FROM answers WHERE superseded_at IS NULL").fetchone()[0]
        conn.close()
        result.answers_expected = users * steps.count("<answer>")
        if result.answers_stored != result.answers_expected and not result.errors:
            result.errors.append(f"{result.answers_stored} answers stored, expected {result.answers_expected}")
    return result


def summarize(result: Result, rows: list[Step], emulator: BotApiEmulator) -> None:
    result.updates = len(rows)
    result.latencies = [r.shown - r.available for r in rows]
    result.tap_latencies = [r.shown - r.available for r in rows if r.tap]
    result.taps = sum(1 for r in rows if r.tap)
    if rows:
        result.window = (min(r.available for r in rows), max(r.shown for r in rows))
        result.wall = result.window[1] - result.window[0]
    first_tap: dict[str, float] = {}
    for r in rows:
        if r.tap:
            key = str(r.user_id)
            first_tap[key] = min(first_tap.get(key, r.available), r.available)
    counted = [c for c in emulator.calls() if counts(c.method.lower()) and c.ok]
    result.messages_per_update = len(counted) / max(1, result.updates)
    result.tap_messages = sum(
        1 for c in counted if c.params.get("chat_id") in first_tap and c.started_at >= first_tap[c.params["chat_id"]]
    )
    result.flood_429 = len(emulator.flood_limited())
    result.unanswered = len(emulator.unanswered_callbacks())
    rejected = emulator.rejections()
    if rejected:
        result.errors.append(f"{len(rejected)} Bot API calls rejected, e.g. {rejected[0].method}: {rejected[0].description}")
    if result.unanswered:
        result.errors.append(f"{result.unanswered} callback queries never answered")


# --- capacity: checkbot against the echo bot at its best --------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def capacity_report(users: int, runs: dict[str, list[Result]]) -> bool:
    def agg(name: str) -> dict[str, float]:
        rs = runs[name]
        return {
            "throughput": median([r.throughput for r in rs]),
            "p50": median([r.pct(50) for r in rs]) * 1000,
            "p95": median([r.pct(95) for r in rs]) * 1000,
            "p99": median([r.pct(99) for r in rs]) * 1000,
            "cpu": median([r.cpu_s / max(r.updates, 1) for r in rs]) * 1000,
            "msgs": median([r.messages_per_update for r in rs]),
            "hwm": median([r.hwm_kb / 1024 for r in rs]),
            "load": median([r.load_cpu_s / max(r.updates, 1) for r in rs]) * 1000,
        }

    stats = {name: agg(name) for name in runs}
    if "checkbot" not in runs or not any(n in ECHO_SIDES for n in runs):  # nothing to compare with: no ratios
        for name in runs:
            print(f"{users} users, {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in stats[name].items()))
        print("(one side: no ratios, no targets)")
        return True
    echoes = [n for n in runs if n in ECHO_SIDES]
    best = max(echoes, key=lambda n: stats[n]["throughput"])
    a, b = stats["checkbot"], stats[best]
    print(f"\n{users} users x {runs['checkbot'][0].updates // max(users, 1)} updates, {len(runs['checkbot'])} rounds "
          f"interleaved, median of rounds, CHECKBOT_MAX_RATE={UNLIMITED}, {os.cpu_count()} CPUs")
    width = max(16, *(len(n) + 2 for n in runs))
    header = "".join(f"{n:>{width}}" for n in runs)
    print(f"{'':36}{header}   checkbot/{best}")
    rows = [("throughput (updates/s)", "throughput"), ("latency p50 (ms)", "p50"), ("latency p95 (ms)", "p95"),
            ("latency p99 (ms)", "p99"), ("bot CPU per update (ms)", "cpu"), ("messages sent/edited per update", "msgs"),
            ("peak RSS (MiB)", "hwm"), ("emulator + users CPU per update (ms)", "load")]
    for label, key in rows:
        ratio = a[key] / b[key] if b[key] else float("nan")
        verdict = ""
        if key == "throughput":
            verdict = f"  target >= {TARGET_THROUGHPUT}: " + ("met" if ratio >= TARGET_THROUGHPUT else "MISSED")
        elif key == "p99":
            verdict = f"  target <= {TARGET_P99}: " + ("met" if ratio <= TARGET_P99 else "MISSED")
        print(f"{label:36}" + "".join(f"{stats[n][key]:{width}.1f}" for n in runs) + f"{ratio:10.2f}{verdict}")
    print("  per round, throughput: " + "; ".join(
        f"{n} " + " ".join(f"{r.throughput:.0f}" for r in runs[n]) for n in runs))
    for name, rs in runs.items():
        for r in rs:
            for error in r.errors:
                print(f"ERROR {name}: {error}")
    return a["throughput"] >= TARGET_THROUGHPUT * b["throughput"] and a["p99"] <= TARGET_P99 * b["p99"]


def held_report(result: Result, path: Path) -> str:
    """One line on how long checkbot's transactions held the SQLite connection (bench/held.py)."""
    import json

    start, end = result.window
    recorded = json.loads(path.read_text())
    spans = [(asked, got, released) for asked, got, released in recorded["transactions"] if start <= got <= end]
    if not spans or end <= start:
        return "connection: no transactions while the users tapped"
    held = sorted(released - got for _, got, released in spans)
    busy = sum(min(released, end) - got for _, got, released in spans) / (end - start)
    waited = statistics.mean(got - asked for asked, got, _ in spans)
    hops = [h for h in recorded["hops"] if start <= h[1] <= end]
    work = sum(h[5] for h in hops) / len(spans)

    def phases(first: bool) -> str:
        chosen = [h for h in hops if h[0] == first]
        if not chosen:
            return "none"
        ms = [statistics.mean(h[i + 1] - h[i] for h in chosen) * 1000 for i in (1, 2, 3)]
        return f"{len(chosen)}: {ms[0]:.2f} ms until the thread ran it, {ms[1]:.2f} ms there, {ms[2]:.2f} ms back"

    return (f"connection: {len(spans)} transactions, held mean {statistics.mean(held) * 1000:.1f} ms, "
            f"p50 {held[len(held) // 2] * 1000:.1f} ms, busy {busy:.0%} of the run, waited for mean {waited * 1000:.1f} ms; "
            f"CPU on the database thread {work * 1000:.2f} ms per transaction\n"
            f"      first hops {phases(True)}\n      later hops {phases(False)}")


async def capacity(user_counts: list[int], rounds: int, profile_dir: Path | None, workdir: Path,
                   echo_style: str | None, sides: list[str], held: bool = False) -> bool:
    steps = script()
    script_path = Path(sys.executable).with_name("checkbot")
    checkbot = Side("checkbot", [str(script_path)] if script_path.exists() else [sys.executable, "-m", "bot.cli"])
    checkbot.argv.append("telegram")
    if held:
        checkbot.argv[:] = [sys.executable, str(ROOT / "bench" / "held.py")]
    echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    all_met = True
    for users in user_counts:
        runs: dict[str, list[Result]] = {name: [] for name in sides}
        for round_ in range(max(rounds, math.ceil(MIN_UPDATES / (users * len(steps))))):
            for name in runs:
                if name == "checkbot":
                    side = checkbot
                elif name in CHECKBOT_SIDES:
                    side = Side(name, checkbot.argv, dict(CHECKBOT_SIDES[name]))
                else:
                    if echo_style is None:  # the same calls per tap as checkbot made
                        made = runs["checkbot"][0].messages_per_update if runs.get("checkbot") else 1.0
                        echo_style = "send" if made > 1.5 else "edit"
                        print(f"echo style: {echo_style} (checkbot made {made:.2f} messages per update)", flush=True)
                    side = Side(name, echo, {**ECHO_SIDES[name], "ECHO_STYLE": echo_style})
                held_out = workdir / f"{name}-{users}-{round_}-held.json"
                if held and name.startswith("checkbot"):
                    side = Side(side.name, side.argv, {**side.env, "CHECKBOT_HELD_OUT": str(held_out)})
                print(f"  {users} users, round {round_ + 1}: {name} ...", end="", flush=True)
                with Watchdog(RUN_TIMEOUT + 120, f"{name} with {users} users") as watchdog:
                    result = await run_side(side, users, steps, workdir, watchdog, profile_dir=profile_dir,
                                            tag=f"-{users}-{round_}")
                print(f" {result.throughput:.0f} updates/s, p99 {result.pct(99) * 1000:.0f} ms", flush=True)
                if held and held_out.exists():
                    print(f"    {held_report(result, held_out)}", flush=True)
                runs[name].append(result)
        all_met &= capacity_report(users, runs)
    return all_met


# --- the human pace --------------------------------------------------------------------------------


def human_report(r: Result, questions: int) -> bool:
    per_tap = r.tap_messages / max(r.taps, 1)
    p95 = r.pct(95, r.tap_latencies)
    print(f"\nhuman pace: {r.users} users, reading {READING[0]:.0f}-{READING[1]:.0f} s, the first {questions} questions, "
          f"flood control on (30/s overall, 1/s per chat), CHECKBOT_MAX_RATE default")
    print(f"  taps {r.taps}, tap -> next screen p50 {r.pct(50, r.tap_latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, p99 {r.pct(99, r.tap_latencies) * 1000:.0f} ms, "
          f"max {max(r.tap_latencies, default=0) * 1000:.0f} ms   (target p95 <= {TARGET_HUMAN_P95 * 1000:.0f} ms: "
          + ("met" if p95 <= TARGET_HUMAN_P95 else "MISSED") + ")")
    print(f"  messages sent or edited per tap {per_tap:.2f}   (target <= {TARGET_PER_TAP}: "
          + ("met" if per_tap <= TARGET_PER_TAP else "MISSED") + ")")
    print(f"  429s from flood control {r.flood_429}, callback queries never answered {r.unanswered}, "
          f"answers stored {r.answers_stored} of {r.answers_expected}, bot CPU {r.cpu_s:.1f} s")
    for error in r.errors:
        print(f"ERROR: {error}")
    return p95 <= TARGET_HUMAN_P95 and per_tap <= TARGET_PER_TAP and not r.errors


async def human(users: int, questions: int, profile_dir: Path | None, workdir: Path) -> bool:
    steps = script(questions)
    script_path = Path(sys.executable).with_name("checkbot")
    argv = [str(script_path)] if script_path.exists() else [sys.executable, "-m", "bot.cli"]
    side = Side("checkbot", [*argv, "telegram"])
    print(f"human pace: {users} users ...", flush=True)
    with Watchdog(RUN_TIMEOUT + 120, "the human-paced run") as watchdog:
        result = await run_side(side, users, steps, workdir, watchdog, human=True, profile_dir=profile_dir, tag="-human")
    return human_report(result, questions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capacity", type=int, nargs="*", default=None, metavar="USERS",
                        help="capacity runs at these user counts (default 10 50 200)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved rounds per side (default 2: A B C A B C; more where a round is short, see MIN_UPDATES)")
    parser.add_argument("--human", action="store_true", help="the human-paced run (alone, unless --capacity is given)")
    parser.add_argument("--human-users", type=int, default=100)
    parser.add_argument("--questions", type=int, default=10, help="questions each human-paced user answers (default 10)")
    parser.add_argument("--sides", nargs="+", choices=["checkbot", *CHECKBOT_SIDES, *ECHO_SIDES],
                        default=["checkbot", *ECHO_SIDES], help="capacity: which bots to run (default checkbot and every echo mode)")
    parser.add_argument("--echo-style", choices=["edit", "send"], default=None,
                        help="the echo bot's calls per tap (default: what checkbot did in its first run)")
    parser.add_argument("--profile", type=Path, default=None, help="run the bots under py-spy, stacks into this dir")
    parser.add_argument("--held", action="store_true",
                        help="capacity: time how long checkbot's transactions hold the SQLite connection (bench/held.py)")
    args = parser.parse_args()
    run_capacity = args.capacity is not None or not args.human
    user_counts = args.capacity or [10, 50, 200]
    run_human = args.human or args.capacity is None
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)

    async def go() -> bool:
        ok = True
        with tempfile.TemporaryDirectory(prefix="checkbot-load-") as tmp:
            if run_capacity:
                ok &= await capacity(user_counts, args.rounds, args.profile, Path(tmp), args.echo_style, args.sides,
                                     args.held)
            if run_human:
                ok &= await human(args.human_users, args.questions, args.profile, Path(tmp))
        return ok

    met = asyncio.run(go())
    print("\nall targets met" if met else "\ntargets MISSED (see above)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
