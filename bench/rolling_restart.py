"""Rolling restart under load: gunicorn reloads (SIGHUP) while answers arrive; no acknowledged answer is lost.

Each simulated trainee saves answers in a loop, as static/quizzes/attempt.js
does (the version of the last save goes with the next). Meanwhile the
gunicorn master gets SIGHUP every few seconds: it starts new workers and
lets the old ones finish their requests. A request that fails in transit is
retried, as the browser's offline queue retries it. At the end each
trainee's slot in the database must carry the version of the last save the
server acknowledged to that trainee: a lower one is a lost answer, a
higher one an answer applied twice.

    .venv/bin/python bench/rolling_restart.py [--seconds 20] [--clients 16] [--reloads 5]
    .venv/bin/python bench/rolling_restart.py --database-url postgres://postgres@127.0.0.1:5432/lms_bench --recreate
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    BIN,
    HOST,
    ROOT,
    Req,
    clean_up,
    ensure_postgres_database,
    fetch,
    free_port,
    machine,
    run_step,
    say,
    server_env,
    wait_until_live,
)


@dataclass
class Trainee:
    attempt: str
    slot: int
    session: str
    version: int
    choice: int = 0
    acknowledged: int = 0  # saves the server answered 200 + saved
    retried: int = 0  # requests that failed in transit and were sent again
    stale: int = 0  # 409: a save applied whose answer was lost in transit


def answer_loop(port: int, trainee: Trainee, csrf: str, stop: threading.Event) -> None:
    origin = f"https://{HOST}:{port}"
    trainee.choice = 1 - trainee.choice
    while True:
        form = {
            "csrfmiddlewaretoken": csrf,
            "slot": trainee.slot,
            f"v{trainee.slot}": trainee.version,
            f"q{trainee.slot}": trainee.choice,
        }
        req = Req(
            "POST",
            f"/quizzes/attempts/{trainee.attempt}/answer/",
            urllib.parse.urlencode(form).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={trainee.session}; csrftoken={csrf}",
                "Origin": origin,
                "Referer": origin + "/",
                "X-Requested-With": "fetch",
                "X-Forwarded-Proto": "https",
            },
        )
        try:
            status, body, _headers = fetch(port, req, timeout=30)
        except OSError:
            trainee.retried += 1
            time.sleep(0.05)
            continue
        if status == 200 and json.loads(body).get("saved"):
            trainee.version = json.loads(body)["version"]
            trainee.acknowledged += 1
            if stop.is_set():
                return  # the loop ends on an acknowledged save, so the last word is known
            trainee.choice = 1 - trainee.choice
        elif status == 409:
            # The previous save reached the database but its answer was lost: take the server's version.
            trainee.stale += 1
            trainee.version = json.loads(body)["version"]
        else:
            trainee.retried += 1
            time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reloads", type=int, default=5, help="SIGHUPs sent, evenly over --seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="lms-rolling-"))
    log = tmp / "setup.log"
    env = server_env(tmp, args.database_url, args.redis_url, "bench.settings")
    say(f"rolling restart under load; machine: {machine()}")
    say(
        f"database: {args.database_url or 'SQLite'}; {args.clients} clients, {args.reloads} reloads in {args.seconds} s"
    )
    server = None
    ok = False
    try:
        if args.database_url:
            ensure_postgres_database(args.database_url, recreate=args.recreate)
        manage = [str(BIN / "python"), "manage.py"]
        run_step("migrate", [*manage, "migrate", "--noinput"], env, log)
        run_step("seed_demo (DEBUG=1)", [*manage, "seed_demo"], {**env, "DEBUG": "1"}, log)
        run_step("collectstatic", [*manage, "collectstatic", "--noinput"], env, log)
        helper = [str(BIN / "python"), str(ROOT / "bench" / "prepare.py")]
        prepared = tmp / "prepared.json"
        run_step("attempts", [*helper, "prepare", str(prepared), "--trainees", str(args.clients)], env, log)
        data = json.loads(prepared.read_text(encoding="utf-8"))

        port = free_port()
        gunicorn = [str(BIN / "gunicorn"), "lms.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(args.workers)]
        with (tmp / "gunicorn.log").open("ab") as out:
            server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until_live(port, server)

        trainees = [
            Trainee(attempt=a["attempt"], slot=a["slot"], session=a["session"], version=a["version"])
            for a in data["quiz"]["answerers"][: args.clients]
        ]
        stop = threading.Event()
        threads = [
            threading.Thread(target=answer_loop, args=(port, t, data["csrf"], stop), daemon=True) for t in trainees
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for _ in range(args.reloads):
            time.sleep(args.seconds / (args.reloads + 1))
            os.kill(server.pid, signal.SIGHUP)
        time.sleep(args.seconds / (args.reloads + 1))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.perf_counter() - started

        stored_file = tmp / "slots.json"
        run_step(
            "read the stored answers", [*helper, "slots", str(stored_file), *[str(t.slot) for t in trainees]], env, log
        )
        stored = json.loads(stored_file.read_text(encoding="utf-8"))
        lost = [t for t in trainees if stored[str(t.slot)]["version"] < t.version]
        doubled = [t for t in trainees if stored[str(t.slot)]["version"] > t.version]
        acknowledged = sum(t.acknowledged for t in trainees)
        say(
            f"\n{acknowledged} acknowledged saves in {elapsed:.1f} s ({acknowledged / elapsed:.0f}/s) across "
            f"{args.reloads} reloads; retried in transit: {sum(t.retried for t in trainees)}; "
            f"applied but unacknowledged (409 then resynced): {sum(t.stale for t in trainees)}"
        )
        say(f"lost acknowledged answers: {len(lost)}; answers ahead of the last acknowledgement: {len(doubled)}")
        ok = not lost and not doubled and acknowledged > 0
        say("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        clean_up(server, tmp, keep=args.keep or not ok)


if __name__ == "__main__":
    sys.exit(main())
