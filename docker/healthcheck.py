"""Container health check for checkbot: is the database there, sound, current, and being worked off?

    python /opt/checkbot/healthcheck.py      (Docker runs it; exit 0 healthy, 1 unhealthy)

Opens ``$CHECKBOT_DB`` (default ``/data/checkbot.db``) read-only, so it never
creates, migrates or locks anything, and checks:

* ``PRAGMA quick_check`` says ``ok`` (the file is not damaged);
* ``PRAGMA user_version`` equals the number of migrations the installed
  package ships (the bot migrated the database at start-up; a lower version
  means it never got that far, a higher one that an older image runs on a
  newer database);
* no update waits in the inbox for longer than
  ``$CHECKBOT_HEALTH_MAX_INBOX_AGE`` seconds (default 300): the bot stores
  every update before processing it, so an old row means processing stalled.

It also counts the updates kept aside in the ``quarantine`` table (ones the
bot could not parse or whose processing failed for good): they are shown
on the line, healthy or not, but do not make the container unhealthy, since
the bot serves everyone else; an operator looks at them.

One line on stdout says why (``docker inspect`` shows it); no personal data.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import datetime, timezone


def check(path: str, max_inbox_age: float) -> str | None:
    """None when healthy, else the reason."""
    from storage.db import migrations  # the installed package's own list

    if not os.path.exists(path):
        return f"no database at {path} (yet)"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return f"cannot open the database: {exc}"
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if result != ["ok"]:
            return f"quick_check: {'; '.join(map(str, result))[:200]}"
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        expected = len(migrations())
        if version != expected:
            return f"schema version {version}, this image expects {expected}"
        row = conn.execute("SELECT min(received_at) FROM inbox").fetchone()
        if row and row[0]:
            received = datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            age = (datetime.now(timezone.utc) - received).total_seconds()
            if age > max_inbox_age:
                return f"an update has waited {age:.0f} s in the inbox: processing stalled"
    except sqlite3.Error as exc:
        return f"database error: {exc}"
    finally:
        conn.close()
    return None


def quarantined(path: str) -> int | None:
    """How many updates are kept aside; None when that cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("SELECT count(*) FROM quarantine").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def main() -> int:
    path = os.environ.get("CHECKBOT_DB") or "/data/checkbot.db"
    try:
        max_age = float(os.environ.get("CHECKBOT_HEALTH_MAX_INBOX_AGE") or 300)
    except ValueError:
        print("CHECKBOT_HEALTH_MAX_INBOX_AGE must be a number of seconds")
        return 1
    problem = check(path, max_age)
    aside = quarantined(path) if os.path.exists(path) else None
    note = f" ({aside} update(s) in quarantine)" if aside else ""
    print(f"unhealthy: {problem}{note}" if problem else f"healthy{note}")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
