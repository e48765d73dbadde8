#!/usr/bin/env python
"""Load benchmark of the requests that matter when a conference room is online.

Prepares a throwaway database (SQLite in a temporary folder, or the
PostgreSQL database named by --database-url), migrates, loads the demo,
starts gunicorn with production settings on 127.0.0.1, and sends a fixed
number of requests per case at each concurrency level from a thread-based
load generator (standard library only, loopback only). Prints requests/s and
latency percentiles; exits non-zero on any non-2xx answer.

    .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --database-url postgres://postgres@127.0.0.1:5432/lms_bench --recreate

See bench/README.md for what each case does and how to read the figures.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import http.cookies
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEMO_PASSWORD = "TdktDemo@2015"  # noqa: S105 - the demo's published password (seed_demo with DEBUG=1)
# Variables of the caller's shell that would change the mode under test.
CLEARED = (
    "DEBUG",
    "LMS_TESTING",
    "DATABASE_URL",
    "SQLITE_PATH",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "CSP_REPORT_ONLY",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "MEDIA_STORAGE",
)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- preparing the server ------------------------------------------------------------------------


def server_env(tmp: Path, database_url: str, redis_url: str, settings: str) -> dict[str, str]:
    """Production mode (DEBUG off) with throwaway keys and folders."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        BENCH_STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        SECRET_KEY=secrets.token_urlsafe(50),
        CERTIFICATE_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONPATH=os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(tmp / "db.sqlite3")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run_step(title: str, args: list[str], env: dict[str, str], log: Path) -> None:
    started = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(args)}\n".encode())
        out.flush()
        result = subprocess.run(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if result.returncode:
        sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
        raise SystemExit(f"{title} failed (exit {result.returncode}); full log: {log}")
    say(f"  {title}: {time.monotonic() - started:.1f} s")


def ensure_postgres_database(url: str, *, recreate: bool) -> None:
    """Create the database named in ``url`` if missing (dropped first with --recreate)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database-url names no database")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"  created PostgreSQL database {name}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until_live(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            status, _body, _headers = fetch(port, Req("GET", "/healthz/live"))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz/live in time")


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Req:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def fetch(port: int, req: Req, timeout: float = 30) -> tuple[int, bytes, http.client.HTTPMessage]:
    """One request on a fresh connection (gunicorn's sync workers close each one anyway).

    Every request says it came through a TLS-terminating proxy
    (X-Forwarded-Proto: https, which settings.SECURE_PROXY_SSL_HEADER trusts),
    as it would in production behind nginx, so the HTTPS redirect does not fire.
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": "lms-bench", **req.headers}
        conn.request(req.method, req.path, body=req.body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.headers
    finally:
        conn.close()


def cookies_from(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through allauth's real form; returns the session cookie."""
    status, body, headers = fetch(port, Req("GET", "/accounts/login/"))
    if status != 200:
        raise SystemExit(f"GET /accounts/login/ answered {status}")
    csrf_cookie = cookies_from(headers)["csrftoken"]
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match:
        raise SystemExit("no CSRF token on the sign-in page")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "login": email, "password": password}
    ).encode()
    status, _body, headers = fetch(
        port,
        Req(
            "POST",
            "/accounts/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Origin": f"https://{HOST}:{port}",
                "Referer": f"https://{HOST}:{port}/accounts/login/",
            },
        ),
    )
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"signing in {email} failed: HTTP {status}")
    return session


# --- cases ---------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    what: str
    make: Callable[[int, int], Req]  # (worker, index) -> request
    check: Callable[[int, int, bytes], str | None] = lambda worker, status, body: None  # error text or None
    before_level: Callable[[], None] = lambda: None
    outcomes: Counter = field(default_factory=Counter)


def build_cases(port: int, data: dict, trainee_cookie: str, reset_scan: Callable[[], None]) -> list[Case]:
    origin = f"https://{HOST}:{port}"
    csrf = data["csrf"]

    def get(path: str, cookie: str = "") -> Callable[[int, int], Req]:
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        return lambda worker, index: Req("GET", path, None, headers)

    # Quiz autosave: each worker is one trainee answering their own attempt, alternating
    # between the first two options so that every save is a real write (saving the same
    # answer again is a no-op on the server), with the version the last answer returned.
    answerers = data["quiz"]["answerers"]
    quiz_state = [{"version": a["version"], "choice": 0} for a in answerers]

    def quiz_make(worker: int, index: int) -> Req:
        a, state = answerers[worker], quiz_state[worker]
        state["choice"] = 1 - state["choice"]
        form = {
            "csrfmiddlewaretoken": csrf,
            "slot": a["slot"],
            f"v{a['slot']}": state["version"],
            f"q{a['slot']}": state["choice"],
        }
        return Req(
            "POST",
            f"/quizzes/attempts/{a['attempt']}/answer/",
            urllib.parse.urlencode(form).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={a['session']}; csrftoken={csrf}",
                "Origin": origin,
                "X-Requested-With": "fetch",
            },
        )

    quiz_case: Case

    def quiz_check(worker: int, status: int, body: bytes) -> str | None:
        answer = json.loads(body)
        if not answer.get("saved"):
            return f"not saved: {answer}"
        quiz_state[worker]["version"] = answer["version"]
        quiz_case.outcomes["saved"] += 1
        return None

    quiz_case = Case(
        "quiz answer save",
        "POST /quizzes/attempts/<id>/answer/ (one trainee per worker)",
        quiz_make,
        quiz_check,
    )

    scan = data["scan"]
    tokens = scan["tokens"]
    scan_path = f"/events/manage/{scan['event']}/sessions/{scan['session']}/check-in/scan/"

    def scan_make(worker: int, index: int) -> Req:
        form = {
            "token": tokens[index % len(tokens)],
            "nonce": secrets.token_hex(16),
            "scanned_at": datetime.now(UTC).isoformat(),
            # The demo's sessions are over: the usher has tapped "check in anyway".
            "confirm": "1",
        }
        return Req(
            "POST",
            scan_path,
            urllib.parse.urlencode(form).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={scan['organiser_session']}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Origin": origin,
                "X-Requested-With": "fetch",
            },
        )

    scan_case: Case

    def scan_check(worker: int, status: int, body: bytes) -> str | None:
        outcome = json.loads(body).get("outcome")
        scan_case.outcomes[outcome] += 1
        return None if outcome in {"ok", "duplicate"} else f"outcome {outcome}"

    scan_case = Case(
        "check-in scan",
        f"POST {scan_path} (organiser, TOTP session; first scan of each ticket)",
        scan_make,
        scan_check,
        reset_scan,
    )

    return [
        Case("healthz/live", "GET /healthz/live (baseline: no database, no template)", get("/healthz/live")),
        Case("home page", "GET / (anonymous)", get("/")),
        Case("regulation page", f"GET {data['regulation_path']} (anonymous)", get(data["regulation_path"])),
        Case(
            "course page",
            f"GET {data['course_path']} (signed-in trainee, enrolled, {data['course_modules']} modules)",
            get(data["course_path"], trainee_cookie),
        ),
        quiz_case,
        scan_case,
    ]


# --- load generator ------------------------------------------------------------------------------


@dataclass
class Level:
    case: str
    concurrency: int
    requests: int
    done: int
    errors: int
    seconds: float
    client_cpu: float
    latencies: list[float]
    examples: list[str]

    @property
    def rps(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else float("nan")


def run_level(port: int, case: Case, concurrency: int, total: int, max_seconds: float) -> Level:
    case.before_level()
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    examples: list[str] = []
    errors = 0
    deadline = time.monotonic() + max_seconds

    def worker(w: int) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            req = case.make(w, index)
            started = time.perf_counter()
            try:
                status, body, _headers = fetch(port, req)
                problem = None if 200 <= status < 300 else f"HTTP {status}"
                if problem is None:
                    problem = case.check(w, status, body)
            except (OSError, http.client.HTTPException, ValueError) as error:
                status, body, problem = 0, b"", f"{type(error).__name__}: {error}"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors += 1
                    if len(examples) < 3:
                        examples.append(f"{req.method} {req.path}: {problem} {body[:300]!r}")

    cpu_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return Level(
        case.name,
        concurrency,
        total,
        len(latencies),
        errors,
        seconds,
        time.process_time() - cpu_before,
        latencies,
        examples,
    )


def warm_up(port: int, case: Case, requests: int) -> None:
    """A few requests per worker so that both have imported, compiled and connected first."""
    level = run_level(port, case, 2, requests, 60)
    if level.errors:
        raise SystemExit(f"warm-up of {case.name} failed:\n  " + "\n  ".join(level.examples))


# --- report --------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, load average before: {load}"


def summarise(results: dict[tuple[str, int], list[Level]], order: list[str], levels: list[int]) -> str:
    lines = [
        "| case | conc. | requests/s (median; min–max) | p50 ms | p95 ms | p99 ms | errors | client CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in order:
        for c in levels:
            runs = results.get((name, c))
            if not runs:
                continue
            rps = [r.rps for r in runs]
            med = statistics.median
            lines.append(
                f"| {name} | {c} | {med(rps):.1f} ({min(rps):.1f}–{max(rps):.1f}) "
                f"| {med(r.pct(50) for r in runs):.1f} | {med(r.pct(95) for r in runs):.1f} "
                f"| {med(r.pct(99) for r in runs):.1f} | {sum(r.errors for r in runs)} "
                f"| {med(r.client_cpu for r in runs):.1f} |"
            )
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""), help="PostgreSQL URL")
    parser.add_argument("--recreate", action="store_true", help="drop and recreate that PostgreSQL database first")
    parser.add_argument("--redis-url", default="", help="use Redis for cache and sessions, as production does")
    parser.add_argument("--requests", type=int, default=200, help="requests per case and level (default 200)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated levels (default 1,8,32)")
    parser.add_argument("--runs", type=int, default=3, help="rounds over every case and level; medians reported")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--max-seconds", type=float, default=60, help="time limit per case and level")
    parser.add_argument("--cases", default="", help="comma-separated case names to run (default all)")
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module (default bench.settings), to measure a settings change before making it",
    )
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    if not levels or min(levels) < 1 or args.requests < 1 or args.runs < 1:
        parser.error("concurrency levels, --requests and --runs must be positive")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (SQLite is the default)")

    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    log = tmp / "setup.log"
    env = server_env(tmp, args.database_url, args.redis_url, args.settings)
    say(f"lms benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    say(f"machine: {machine()}")
    say(
        f"database: {args.database_url or 'SQLite ' + env['SQLITE_PATH']}; cache/sessions: "
        f"{'Redis ' + args.redis_url if args.redis_url else 'local memory / database'}"
    )
    say(f"settings: {args.settings}; temporary folder: {tmp}")
    server = None
    succeeded = False
    try:
        say("setting up:")
        if args.database_url:
            ensure_postgres_database(args.database_url, recreate=args.recreate)
        manage = [str(BIN / "python"), "manage.py"]
        run_step("migrate", [*manage, "migrate", "--noinput"], env, log)
        run_step("seed_demo (DEBUG=1)", [*manage, "seed_demo"], {**env, "DEBUG": "1"}, log)
        run_step("collectstatic", [*manage, "collectstatic", "--noinput"], env, log)
        prepared = tmp / "prepared.json"
        helper = [str(BIN / "python"), str(ROOT / "bench" / "prepare.py")]
        trainees = str(max(*levels, 2))
        run_step("sessions, attempts, tickets", [*helper, "prepare", str(prepared), "--trainees", trainees], env, log)
        data = json.loads(prepared.read_text(encoding="utf-8"))

        port = free_port()
        server_log = tmp / "gunicorn.log"
        gunicorn = [str(BIN / "gunicorn"), "lms.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(args.workers)]
        say(f"  server: {' '.join(gunicorn[1:])} (sync workers, DEBUG off)")
        with server_log.open("ab") as out:
            server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until_live(port, server)
        trainee_cookie = sign_in(port, data["trainee"]["email"], DEMO_PASSWORD)
        say(f"  signed in {data['trainee']['email']} through the sign-in form")

        def reset_scan() -> None:
            run_step_quiet([*helper, "reset-scan", str(data["scan"]["session"])], env, log)

        cases = build_cases(port, data, trainee_cookie, reset_scan)
        if args.cases:
            wanted = {c.strip() for c in args.cases.split(",")}
            cases = [c for c in cases if c.name in wanted]
        for case in cases:
            warm_up(port, case, 20)
        say("\ncases:")
        for case in cases:
            say(f"  {case.name}: {case.what}")

        results: dict[tuple[str, int], list[Level]] = {}
        for run in range(1, args.runs + 1):
            say(f"\nrun {run}/{args.runs}")
            for case in cases:
                for c in levels:
                    level = run_level(port, case, c, args.requests, args.max_seconds)
                    results.setdefault((case.name, c), []).append(level)
                    say(
                        f"  {case.name:<16} c={c:<3} {level.done:>5}/{level.requests} in {level.seconds:6.2f} s "
                        f"{level.rps:7.1f} req/s  p50 {level.pct(50):7.1f}  p95 {level.pct(95):7.1f}  "
                        f"p99 {level.pct(99):7.1f} ms  errors {level.errors}"
                    )
                    if level.errors or level.done < level.requests:
                        for example in level.examples:
                            say(f"    {example}")
                        raise SystemExit(
                            f"FAILED: {case.name} at concurrency {c}: {level.errors} errors, "
                            f"{level.done}/{level.requests} done (server log: {server_log})"
                        )
        say("\nmedians over runs (latency in ms, measured at the client, connection set-up included):\n")
        say(summarise(results, [c.name for c in cases], levels))
        for case in cases:
            if case.outcomes:
                say(f"\n{case.name} outcomes (all runs, warm-up included): {dict(case.outcomes)}")
        say(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine(),
                        "database": "postgresql" if args.database_url else "sqlite",
                        "runs": [
                            {
                                "case": lv.case,
                                "concurrency": lv.concurrency,
                                "done": lv.done,
                                "errors": lv.errors,
                                "seconds": round(lv.seconds, 3),
                                "rps": round(lv.rps, 1),
                                "p50_ms": round(lv.pct(50), 1),
                                "p95_ms": round(lv.pct(95), 1),
                                "p99_ms": round(lv.pct(99), 1),
                            }
                            for runs in results.values()
                            for lv in runs
                        ],
                    },
                    indent=1,
                ),
                encoding="utf-8",
            )
        succeeded = True
        return 0
    finally:
        clean_up(server, tmp, keep=args.keep or not succeeded)


def clean_up(server: subprocess.Popen | None, tmp: Path, *, keep: bool) -> None:
    """Stop the server (gracefully, then for good) and remove the temporary folder unless kept."""
    if server is not None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if keep:
        say(f"kept {tmp} (database, setup.log, gunicorn.log)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def run_step_quiet(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        result = subprocess.run(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed; log: {log}")


if __name__ == "__main__":
    sys.exit(main())
