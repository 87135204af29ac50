"""The Docker image's install steps, checked without Docker.

Docker cannot run here, so the image is checked two ways:

* the Dockerfile is parsed and its invariants asserted: multi-stage with the
  virtualenv as the only thing copied into the final stage, the slim official
  Python base, a non-root user, the database on the ``/data`` volume, a health
  check that runs ``docker/healthcheck.py``, ``checkbot telegram`` as the
  command, SIGTERM to stop, configuration only from the environment;
* the builder stage is replayed: the build context is filtered through
  ``.dockerignore``, the builder's ``COPY`` lines are carried out into a
  temporary directory, a wheel is built from it (``pip wheel --no-deps``) and
  installed into a fresh virtualenv. From there, with the source tree nowhere
  on ``sys.path``, ``checkbot --help``, the content loader, the migrations and
  the health check must work, which proves the wheel ships the package data
  (YAML, CSV, SQL).

The dependencies are not downloaded: the fresh virtualenv sees the test
virtualenv's site-packages through a ``.pth`` file (after its own, and
without the test virtualenv's editable install of checkbot, whose ``.pth``
hook is not processed that way). Set ``CHECKBOT_INSTALL_FROM_INDEX=1`` to
install the dependencies from the package index instead, as the image does
(slower). Building the wheel uses the test virtualenv's setuptools when it
can, else an isolated build that fetches setuptools from the index (the
README's install needs the index anyway). About 7 s in all.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
FROM_INDEX = os.environ.get("CHECKBOT_INSTALL_FROM_INDEX") == "1"
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|build-essential|make|clang|python3-dev|libc6-dev)\b")


# --- reading the Dockerfile ------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str] | None:
        try:
            value = json.loads(self.args)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages; continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    assert not current, "the Dockerfile ends in a line continuation"
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), m.group(0)), parts[0])
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        elif not stages:
            assert keyword == "ARG", f"only ARG may come before the first FROM, not {keyword}"
            key, _, value = rest.partition("=")
            args[key] = value
        else:
            stages[-1].instructions.append(Instruction(keyword, rest))
    return args, stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))[1]


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for token in shlex.split(instruction.args):
            key, sep, value = token.partition("=")
            if sep:
                env[key] = value
    return env


def test_multi_stage_from_slim_python_with_only_the_venv_copied(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    builder, final = stages[0], stages[-1]
    assert builder.name and final.name != builder.name
    assert final.base == "python:3.11-slim" and builder.base == "python:3.11-slim"
    from_builder = [i for i in final.all("COPY") if i.args.startswith("--from=")]
    assert [i.args.split() for i in from_builder] == [[f"--from={builder.name}", "/opt/venv", "/opt/venv"]]
    assert "pip wheel" in " ".join(i.args for i in builder.all("RUN"))
    for run in final.all("RUN"):  # no compilers, no package installs in the image that ships
        assert not BUILD_TOOLS.search(run.args) and "apt-get install" not in run.args and "pip install" not in run.args
    assert env_of(final)["PATH"].startswith("/opt/venv/bin:")


def test_runs_as_a_non_root_user(stages: list[Stage]) -> None:
    final = stages[-1]
    users = final.all("USER")
    assert users, "the final stage must switch to a user"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0")
    keywords = [i.keyword for i in final.instructions]
    assert keywords.index("CMD") > max(i for i, k in enumerate(keywords) if k == "USER")


def test_database_on_the_data_volume_and_config_from_the_environment(stages: list[Stage]) -> None:
    final = stages[-1]
    volumes = [v for i in final.all("VOLUME") for v in (i.exec_form() or i.args.split())]
    assert volumes == ["/data"]
    env = env_of(final)
    assert env["CHECKBOT_DB"] == "/data/checkbot.db"
    for stage in stages:  # no secrets baked into any layer: they come with `docker run -e`
        assert not {"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET"} & set(env_of(stage))
        assert not any(re.search(r"TOKEN|SECRET", i.args, re.I) for i in stage.all("ARG"))


def test_command_stop_signal_and_health_check(stages: list[Stage]) -> None:
    final = stages[-1]
    assert [i.exec_form() for i in final.all("CMD")] == [["checkbot", "telegram"]]
    assert not final.all("ENTRYPOINT")  # checkbot itself is PID 1 and gets the SIGTERM
    assert [i.args for i in final.all("STOPSIGNAL")] == ["SIGTERM"]
    (health,) = final.all("HEALTHCHECK")
    options, _, command = health.args.partition("CMD")
    assert "--interval=" in options and "--timeout=" in options
    script = Instruction("CMD", command.strip()).exec_form()
    assert script is not None and script[0] == "python" and script[1].endswith("healthcheck.py")
    copied = [i.args.split() for i in final.all("COPY") if not i.args.startswith("--from=")]
    assert ["docker/healthcheck.py", script[1]] in copied
    assert (ROOT / "docker" / "healthcheck.py").exists()


# --- replaying the builder stage -------------------------------------------------------------------


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (exclude?, regex), in order; the last pattern that matches decides."""
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex = ""
        i = 0
        while i < len(line):
            if line.startswith("**", i):
                regex += ".*"
                i += 2
                if line.startswith("/", i):
                    regex = regex[:-2] + "(?:.*/)?"
                    i += 1
            elif line[i] == "*":
                regex += "[^/]*"
                i += 1
            elif line[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(line[i])
                i += 1
        patterns.append((not negate, re.compile(regex)))
    return patterns


def in_context(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: a pattern matching the path or one of its parents counts; the last match wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exclude, regex in patterns:
        if any(regex.fullmatch(c) for c in candidates):
            excluded = exclude
    return not excluded


def build_context() -> list[str]:
    patterns = ignore_patterns()
    files = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".git/", ".venv/")) or relative in (".git", ".venv"):
            continue
        if path.is_file() and in_context(relative, patterns):
            files.append(relative)
    return sorted(files)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    context = build_context()
    assert "pyproject.toml" in context and "bot/engine.py" in context and "content/checklist.yaml" in context
    assert "storage/migrations/001_initial.sql" in context and "docker/healthcheck.py" in context
    for name in context:
        assert not name.startswith((".venv/", ".git/", "tests/", "bench/", ".hypothesis/", ".pytest_cache/"))
        assert not name.endswith((".db", ".db-wal", ".db-shm", ".pyc", ".env")) and "__pycache__" not in name


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(stages: list[Stage], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with checkbot installed from a wheel built the way the builder stage does."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    src.mkdir()
    context = set(build_context())
    for instruction in stages[0].all("COPY"):
        *sources, dest = instruction.args.split()
        for source in sources:
            assert not source.startswith("--"), f"unexpected COPY option in the builder: {source}"
            if (ROOT / source).is_dir():
                files = [f for f in context if f.startswith(source.rstrip("/") + "/")]
                assert files, f"COPY {source}: nothing in the build context"
                target_dir = src / dest.removeprefix("./") if dest not in ("./", ".") else src / source
                for name in files:
                    target = target_dir / Path(name).relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / name, target)
            else:
                assert source in context, f"COPY {source}: not in the build context (.dockerignore?)"
                shutil.copy2(ROOT / source, src / Path(source).name)

    wheels = tmp / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, src, cwd=tmp, env=env)
    except AssertionError:  # e.g. setuptools < 70.1 without `wheel`: an isolated build, as docker's (needs the index)
        run(*pip, "wheel", "--no-deps", "--wheel-dir", wheels, src, cwd=tmp, env=env, timeout=300)
    (wheel,) = wheels.glob("checkbot-*.whl")

    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp, env=env)
    python = venv / "bin" / "python"
    if FROM_INDEX:
        run(*pip, "--python", python, "install", wheel, cwd=tmp, env=env, timeout=900)
    else:
        run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel, cwd=tmp, env=env)
        purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp, env=env)
        (Path(purelib.strip()) / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def venv_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "TELEGRAM_BOT_TOKEN")}
    env["CHECKBOT_DB"] = str(tmp / "data" / "checkbot.db")
    env["MPLCONFIGDIR"] = str(tmp / "mpl")
    return env


def test_installed_package_runs_without_the_source_tree(installed: Path, tmp_path: Path) -> None:
    env = venv_env(tmp_path)
    python = installed / "bin" / "python"
    where = run(
        python, "-c", "import bot.cli, content.loader, storage.db; print(bot.cli.__file__, content.loader.__file__, storage.db.__file__)",
        cwd=tmp_path, env=env,
    ).split()  # fmt: skip
    assert all(str(installed) in path for path in where), where
    assert not any(str(ROOT) in path for path in where)

    usage = run(installed / "bin" / "checkbot", "--help", cwd=tmp_path, env=env)
    assert "telegram" in usage and "chat" in usage
    loaded = run(python, "-m", "content.loader", cwd=tmp_path, env=env)
    assert loaded.startswith("ok: 5 themes, 24 checks"), loaded

    # the migrations ship as package data: a new database gets the current schema
    migrations = sorted(p.name for p in (ROOT / "storage" / "migrations").glob("*.sql"))
    version = run(
        python, "-c",
        "import asyncio, os; from storage.store import Store\n"
        "async def main():\n"
        "    store = await Store.open(os.environ['CHECKBOT_DB']); print(await store.db.schema_version()); await store.close()\n"
        "asyncio.run(main())",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert int(version) == len(migrations)

    # configuration only from the environment: no token, one clear line and exit code 2
    result = subprocess.run(
        [str(installed / "bin" / "checkbot"), "telegram"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN is not set" in result.stderr


def test_health_check_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    env = venv_env(tmp_path)
    python = installed / "bin" / "python"
    script = ROOT / "docker" / "healthcheck.py"

    def health(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), str(script)], cwd=tmp_path, env={**env, **extra}, capture_output=True, text=True, timeout=60
        )

    missing = health()
    assert missing.returncode == 1 and "no database" in missing.stdout

    run(
        python, "-c",
        "import asyncio, os; from storage.store import Store\n"
        "async def main():\n    store = await Store.open(os.environ['CHECKBOT_DB']); await store.close()\n"
        "asyncio.run(main())",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    db = Path(env["CHECKBOT_DB"])
    healthy = health()
    assert healthy.returncode == 0 and healthy.stdout.strip() == "healthy", healthy.stdout + healthy.stderr

    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (1, '{}', '2020-01-01T00:00:00Z')")
    conn.commit()
    stalled = health()
    assert stalled.returncode == 1 and "inbox" in stalled.stdout
    conn.execute("DELETE FROM inbox")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    old = health()
    assert old.returncode == 1 and "schema version 1" in old.stdout

    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    broken = health()
    assert broken.returncode == 1 and "unhealthy" in broken.stdout
