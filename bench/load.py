"""Load test: the real ``checkbot telegram`` against a plain PTB echo bot, same traffic, same run.

    python bench/load.py [--users K] [--quick] [--profile DIR]

The Bot API emulator (``tests.emulator``) runs in this process on 127.0.0.1.
K simulated users do a complete assessment at the same time: ``/start``, the
municipality, the 24 answer buttons and the four "Verder naar thema N"
buttons between the themes (30 updates each). A user acts only after the
bot's reply to their previous action arrived, as a person does. The bot is a
subprocess configured through the environment only (TELEGRAM_BOT_TOKEN,
TELEGRAM_API_BASE_URL, CHECKBOT_DB in a temporary directory,
CHECKBOT_MAX_RATE high enough not to limit). Then the same traffic goes to
``bench/echo_bot.py`` (same PTB settings, same Bot API calls per update,
no storage): the baseline.

Measured for both:

* throughput: updates handled per second (all updates / time from the first
  update to the last reply);
* latency per update: from the moment the update is available to getUpdates
  to the emulator receiving the bot's reply message (the one the user acts
  on next), p50/p95/p99;
* peak memory of the bot process (VmHWM), and its CPU time.

Targets: throughput >= 0.8x echo, p99 <= 1.5x echo. Everything is bounded:
a step waits at most STEP_TIMEOUT seconds, a side at most RUN_TIMEOUT.
``--profile DIR`` runs each bot under ``py-spy record`` (install it into the
venv yourself: ``pip install py-spy``) and writes collapsed stacks to DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
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
from tests.emulator.model import ChatEvent, Message  # noqa: E402

MAX_RATE = "100000"  # messages/s for AIORateLimiter: far above what either bot reaches here
STEP_TIMEOUT = 120.0
RUN_TIMEOUT = 900.0
ANSWERS = ["Ja", "Nee", "Deels", "Weet ik niet", "Ja", "Ja"]
TOWNS = ["Enschede", "Utrecht", "Almere", "Zwolle", "Breda", "Groningen", "Leiden", "Delft", "Tilburg", "Arnhem"]
CHECKS = 24
THEMES = 5
STEPS = 2 + CHECKS + (THEMES - 1)  # /start, municipality, answers, "Verder" presses
TARGET_THROUGHPUT = 0.8
TARGET_P99 = 1.5


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
    rss_ready_kb: int = 0
    hwm_kb: int = 0
    cpu_s: float = 0.0
    load_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# --- waiting for replies -----------------------------------------------------------------


class ReplyMonitor:
    """Wakes each waiting user when the bot's reply arrives in their chat.

    One task watches the emulator for changes and checks only the chats whose
    users wait: ``ChatView.next_message`` would wake every waiting user on
    every message, which at a few hundred users costs more CPU than the bots.
    """

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._world = emulator.world
        self._waiting: dict[int, tuple[list[ChatEvent], int, Callable[[Message], bool], asyncio.Future[Message]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        # Python 3.11's wait_for can swallow a cancel that coincides with the event it waits
        # for; the flag ends the loop even then, and the wait below is bounded anyway.
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)

    def expect(self, chat_id: int, since: int, match: Callable[[Message], bool]) -> asyncio.Future[Message]:
        """A future for the first bot message in the chat after event ``since`` that matches."""
        state = self._world.chat_state(chat_id)
        assert state is not None
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (state.events, since, match, future)
        self._check(chat_id)
        return future

    def _check(self, chat_id: int) -> None:
        events, cursor, match, future = self._waiting[chat_id]
        for index in range(cursor, len(events)):
            event = events[index]
            if event.kind == "message" and event.message is not None and match(event.message):
                del self._waiting[chat_id]
                if not future.done():
                    future.set_result(event.message)
                return
        self._waiting[chat_id] = (events, len(events), match, future)

    async def _run(self) -> None:
        while not self._closing:
            await self._world.wait_for_change(1.0)
            for chat_id in list(self._waiting):
                self._check(chat_id)


def is_reply(message: Message) -> bool:
    """The message a user acts on next: a keyboard, the municipality prompt, the summary."""
    text = message.plain_text or ""
    return bool(message.keyboard()) or "Voor welke gemeente" in text or "Samenvatting –" in text


# --- one simulated user ---------------------------------------------------------------------


def script() -> list[str]:
    """The 30 steps of a complete assessment, the same for both bots."""
    from content.loader import load_content

    content = load_content()
    steps = ["/start", "<town>"]
    for check in content.checks:
        if check.number > 1 and check.theme_id != content.checks[check.number - 2].theme_id:
            steps.append(f"Verder naar thema {check.theme_id}")
        steps.append("<answer>")
    return steps


async def one_user(
    emulator: BotApiEmulator, monitor: ReplyMonitor, steps: list[str], index: int, out: list[tuple[int, int, float]]
) -> None:
    """One complete assessment; appends (chat_id, reply message_id, t_available) per update to ``out``."""
    loop = asyncio.get_running_loop()
    user_id = 10_000 + index
    u = emulator.user(user_id, first_name=f"U{index}")
    state = emulator.world.chat_state(user_id)
    assert state is not None
    reply: Message | None = None
    answered = 0
    for number, step in enumerate(steps):
        since = len(state.events)
        if step.startswith("/"):
            await u.send_command(step)
        elif step == "<town>":
            await u.send_text(TOWNS[index % len(TOWNS)])
        else:
            assert reply is not None
            if step == "<answer>":
                label = ANSWERS[(answered + index) % len(ANSWERS)]
                answered += 1
            else:  # "Verder naar thema N"; the echo bot's keyboard has no such button: any button will do
                label = step if reply.find_button(step) is not None else "Ja"
            await u.press(label, message_id=reply.message_id)
        available = loop.time()
        try:
            reply = await asyncio.wait_for(monitor.expect(user_id, since, is_reply), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise TimeoutError(f"user {user_id}: no reply to step {number} ({step}) within {STEP_TIMEOUT:.0f}s") from None
        out.append((user_id, reply.message_id, available))


# --- the bot process ------------------------------------------------------------------------


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
    side: Side, users: int, steps: list[str], workdir: Path, profile_dir: Path | None, watchdog: Watchdog
) -> Result:
    result = Result(side.name, users)
    loop = asyncio.get_running_loop()
    emulator = BotApiEmulator()
    await emulator.start()
    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_URL"}
    db = workdir / f"{side.name}.db"
    env.update(
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        CHECKBOT_DB=str(db),
        CHECKBOT_MAX_RATE=MAX_RATE,
        **side.env,
    )
    argv = list(side.argv)
    if profile_dir is not None:
        out = profile_dir / f"{side.name}.txt"
        spy = Path(sys.executable).with_name("py-spy")
        argv = [str(spy) if spy.exists() else "py-spy", "record", "--format", "raw", "--rate", "250", "--nonblocking", "-o", str(out), "--", *argv]
    log = (workdir / f"{side.name}.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    watchdog.procs.append(proc)
    monitor = ReplyMonitor(emulator)
    pid = proc.pid
    try:
        deadline = loop.time() + 60
        while not emulator.calls("getUpdates"):
            if proc.poll() is not None or loop.time() > deadline:
                raise RuntimeError(f"{side.name} did not start; see {workdir / (side.name + '.log')}")
            await asyncio.sleep(0.05)
        if profile_dir is not None:
            pid = child_pid(proc.pid) or proc.pid
        await asyncio.sleep(0.3)  # let start-up finish (setMyCommands, inbox replay)
        result.rss_ready_kb = proc_status(pid).get("VmRSS", 0)
        cpu0, load0 = proc_cpu(pid), time.process_time()
        monitor.start()
        log_rows: list[tuple[int, int, float]] = []
        runs = [one_user(emulator, monitor, steps, i, log_rows) for i in range(users)]
        try:
            await asyncio.wait_for(asyncio.gather(*runs), RUN_TIMEOUT)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            result.errors.append(f"stopped: {exc or 'run timeout'}")
        result.hwm_kb = proc_status(pid).get("VmHWM", 0)
        result.cpu_s = proc_cpu(pid) - cpu0
        result.load_cpu_s = time.process_time() - load0
        arrived = {
            (call.result["chat"]["id"], call.result["message_id"]): call.finished_at
            for call in emulator.calls("sendMessage")
            if call.ok and isinstance(call.result, dict) and call.finished_at is not None
        }
        finished = [arrived[(chat, mid)] for chat, mid, _ in log_rows]
        result.latencies = [end - start for end, (_, _, start) in zip(finished, log_rows)]
        result.updates = len(log_rows)
        if log_rows:
            result.wall = max(finished) - min(start for _, _, start in log_rows)
        rejected = emulator.rejections()
        if rejected:
            result.errors.append(f"{len(rejected)} Bot API calls rejected, e.g. {rejected[0].method}: {rejected[0].description}")
    finally:
        await monitor.stop()
        if proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            if await wait_exit(proc, 30) is None:
                proc.kill()
                result.errors.append("did not stop within 30 s of SIGTERM")
        log.close()
        await emulator.stop()
    if side.name == "checkbot" and db.exists():
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT count(*) FROM answers WHERE superseded_at IS NULL").fetchone()[0]
        conn.close()
        if stored != users * CHECKS and not result.errors:
            result.errors.append(f"{stored} answers stored, expected {users * CHECKS}")
    return result


# --- report ---------------------------------------------------------------------------------------


def report(a: Result, b: Result, note: str = "") -> bool:
    """Print both sides, the ratios and the targets; True when both targets are met."""
    rows: list[tuple[str, float, float, str]] = [
        ("updates handled", a.updates, b.updates, ""),
        ("throughput (updates/s)", a.throughput, b.throughput, f">= {TARGET_THROUGHPUT}"),
        ("latency p50 (ms)", a.pct(50) * 1000, b.pct(50) * 1000, ""),
        ("latency p95 (ms)", a.pct(95) * 1000, b.pct(95) * 1000, ""),
        ("latency p99 (ms)", a.pct(99) * 1000, b.pct(99) * 1000, f"<= {TARGET_P99}"),
        ("latency max (ms)", max(a.latencies, default=0) * 1000, max(b.latencies, default=0) * 1000, ""),
        ("RSS when ready (MiB)", a.rss_ready_kb / 1024, b.rss_ready_kb / 1024, ""),
        ("peak RSS, VmHWM (MiB)", a.hwm_kb / 1024, b.hwm_kb / 1024, ""),
        ("bot CPU (s)", a.cpu_s, b.cpu_s, ""),
        ("bot CPU per update (ms)", a.cpu_s / max(a.updates, 1) * 1000, b.cpu_s / max(b.updates, 1) * 1000, ""),
        ("load generator + emulator CPU (s)", a.load_cpu_s, b.load_cpu_s, ""),
        ("wall (s)", a.wall, b.wall, ""),
    ]
    print(f"\n{a.users} users x {STEPS} updates each, {os.cpu_count()} CPUs, CHECKBOT_MAX_RATE={MAX_RATE}, {note}")
    print(f"{'':36}{a.name:>12}{b.name:>12}{'ratio':>9}  target")
    for label, x, y, target in rows:
        ratio = x / y if y else float("nan")
        verdict = ""
        if target.startswith(">="):
            verdict = "met" if ratio >= TARGET_THROUGHPUT else "MISSED"
        elif target.startswith("<="):
            verdict = "met" if ratio <= TARGET_P99 else "MISSED"
        print(f"{label:36}{x:12.1f}{y:12.1f}{ratio:9.2f}  {target} {verdict}".rstrip())
    for r in (a, b):
        for error in r.errors:
            print(f"ERROR {r.name}: {error}")
    return a.throughput >= TARGET_THROUGHPUT * b.throughput and a.pct(99) <= TARGET_P99 * b.pct(99)


async def main_async(users: int, profile_dir: Path | None, only: str | None = None, echo_concurrency: int = 64) -> int:
    steps = script()
    script_path = Path(sys.executable).with_name("checkbot")
    checkbot = [str(script_path)] if script_path.exists() else [sys.executable, "-m", "bot.cli"]
    sides = [
        Side("checkbot", [*checkbot, "telegram"]),
        Side(
            "echo",
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
            {"ECHO_CONCURRENT_UPDATES": str(echo_concurrency)},
        ),
    ]
    if only is not None:
        sides = [s for s in sides if s.name == only]
    with tempfile.TemporaryDirectory(prefix="checkbot-load-") as tmp:
        results = []
        for side in sides:
            print(f"running {side.name} with {users} users ...", flush=True)
            with Watchdog(RUN_TIMEOUT + 180, f"the {side.name} side") as watchdog:
                results.append(await run_side(side, users, steps, Path(tmp), profile_dir, watchdog))
    if len(results) == 1:
        results.append(Result("-", users))
    met = report(*results, note=f"echo concurrency {echo_concurrency}")
    print("targets met" if met else "targets MISSED (see above)")
    return 1 if any(r.errors for r in results) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated users at the same time (default 200)")
    parser.add_argument("--quick", action="store_true", help="a smoke run with 20 users")
    parser.add_argument("--profile", type=Path, default=None, help="run the bots under py-spy, stacks into this dir")
    parser.add_argument(
        "--echo-concurrency",
        type=int,
        default=64,
        help="updates the echo bot processes at once (default 64, checkbot's Dispatcher; PTB's default is 256)",
    )
    parser.add_argument("--only", choices=["checkbot", "echo"], default=None, help="run one side only (no ratios)")
    args = parser.parse_args()
    users = 20 if args.quick else args.users
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    return asyncio.run(main_async(users, args.profile, args.only, args.echo_concurrency))


if __name__ == "__main__":
    raise SystemExit(main())
