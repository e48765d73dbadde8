#!/usr/bin/env python
"""Ratio benchmark: each hot page's requests per second as a share of /healthz/live's.

Serves the demo with gunicorn under production settings (as bench/run.py
does: same set-up, same sessions, same clean-up) and measures every page with
wrk, each page right after a /healthz/live run, for several interleaved
rounds. The figure is the median over rounds of ``page req/s ÷ healthz
req/s``, written as 1/x: the machine's noise (other work on the same cores)
slows both runs of a pair alike, so the ratio holds where the raw figures
move. It also records each page's SQL query count and HTML weight (measured
in-process with Django's test client on the same database), and checks that
no page asks the browser for anything from another origin.

    .venv/bin/python bench/ratio.py                                   # SQLite
    .venv/bin/python bench/ratio.py --database-url postgres://postgres@127.0.0.1:5432/lms_bench \\
        --recreate --redis-url redis://127.0.0.1:6379/7
    .venv/bin/python bench/ratio.py --profile /tmp/profiles           # pyinstrument, no server

See bench/README.md ("Ratio mode") for what each page does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402 - after the path is set
    BIN,
    DEMO_PASSWORD,
    HOST,
    clean_up,
    ensure_postgres_database,
    free_port,
    machine,
    run_step,
    run_step_quiet,
    say,
    server_env,
    sign_in,
    wait_until_live,
)

LUA = Path(__file__).resolve().parent / "lua"
SEARCH_QUERY = "khen thưởng"
# Trainees answering in the autosave run: each wrk thread takes its own half,
# more than its connections, so no trainee ever has two saves in flight.
ANSWERERS = 20
WEIGHT_LIMIT = 100 * 1024


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    goal: int  # page req/s must be at least 1/goal of /healthz/live's


PAGES = [
    Page("home", "home (anonymous)", 15),
    Page("regulation", "regulation page", 10),
    Page("module", "module page (trainee)", 12),
    Page("course", "course page (trainee)", 12),
    Page("dashboard", "dashboard (trainee)", 12),
    Page("question", "quiz question page", 6),
    Page("autosave", "answer autosave (POST)", 6),
    Page("scan", "check-in scan (POST)", 8),
    Page("search", "search", 10),
]


# --- Django side: run in the server's environment --------------------------------------------


def django_pages(
    prepared: Path, out: Path, profile_dir: Path | None, profile_requests: int, profiled: set[str] | None = None
) -> None:
    """Paths, query counts and weights of every page; optionally a pyinstrument profile of each."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from courses.models import CoursePage, ModulePage
    from quizzes.models import QuestionSlot

    data = json.loads(prepared.read_text(encoding="utf-8"))
    course = next(c for c in CoursePage.objects.live() if c.get_url() == data["course_path"])
    module = ModulePage.objects.live().child_of(course).order_by("path").first()
    first = data["quiz"]["answerers"][0]
    spare = data["quiz"]["answerers"][-1]  # answered in-process only, never by wrk
    scan = data["scan"]
    paths = {
        "home": "/",
        "regulation": data["regulation_path"],
        "module": module.get_url(),
        "course": data["course_path"],
        "dashboard": "/courses/mine/",
        "question": f"/quizzes/attempts/{first['attempt']}/",
        "autosave": f"/quizzes/attempts/{spare['attempt']}/answer/",
        "scan": f"/events/manage/{scan['event']}/sessions/{scan['session']}/check-in/scan/",
        "search": "/search/?" + urllib.parse.urlencode({"q": SEARCH_QUERY}),
    }
    signed_in = {"module", "course", "dashboard", "question"}

    def client_for(key: str) -> Client:
        client = Client(headers={"x-forwarded-proto": "https"}, HTTP_HOST=HOST)
        if key in signed_in:
            client.cookies["sessionid"] = data["trainee"]["session"]
        elif key == "autosave":
            client.cookies["sessionid"] = spare["session"]
        elif key == "scan":
            client.cookies["sessionid"] = scan["organiser_session"]
        return client

    version = {"v": spare["version"]}

    def request(key: str, client: Client, index: int):
        if key == "autosave":
            form = {"slot": spare["slot"], f"v{spare['slot']}": version["v"], f"q{spare['slot']}": version["v"] % 2}
            response = client.post(paths[key], form, headers={"x-requested-with": "fetch"})
            version["v"] = response.json().get("version", version["v"])
            return response
        if key == "scan":
            form = {
                "token": scan["tokens"][index % len(scan["tokens"])],
                "nonce": os.urandom(16).hex(),
                "scanned_at": datetime.now().astimezone().isoformat(),
            }
            return client.post(paths[key], form, headers={"x-requested-with": "fetch"})
        return client.get(paths[key])

    figures = {}
    for index, page in enumerate(PAGES):
        client = client_for(page.key)
        request(page.key, client, index)  # warm: templates loaded, caches filled
        with CaptureQueriesContext(connection) as queries:
            response = request(page.key, client, index + 1)
        if response.status_code != 200:
            raise SystemExit(f"{page.key}: {paths[page.key]} answered {response.status_code}")
        html = response.content
        figures[page.key] = {
            "queries": len(queries),
            "bytes": len(html),
            "assets_bytes": _asset_bytes(client, html),
            "third_party": _third_party(html),
        }
        if profile_dir is not None and (not profiled or page.key in profiled):
            _profile(profile_dir, page.key, request, (page.key, client, index + 2), profile_requests)
    # Put back what the in-process requests changed: the scans and the spare slot's version.
    from events.models import Attendance, ScanNonce

    Attendance.objects.filter(session_id=scan["session"]).delete()
    ScanNonce.objects.filter(session_id=scan["session"]).delete()
    versions = dict(
        QuestionSlot.objects.filter(pk__in=[a["slot"] for a in data["quiz"]["answerers"]]).values_list("pk", "version")
    )
    out.write_text(
        json.dumps({"paths": paths, "figures": figures, "versions": {str(k): v for k, v in versions.items()}}),
        encoding="utf-8",
    )


ASSET = re.compile(rb'<(?:script|link)\b[^>]*?\b(?:src|href)="(/static/[^"]+\.(?:css|js))"')
EXTERNAL = re.compile(
    rb'<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|srcset|data)="((?:https?:)?//[^"]+)"'
)


def _asset_bytes(client, html: bytes) -> int:
    """Bytes of our own stylesheets and scripts the page links to (what a first visit downloads besides images)."""
    total = 0
    for path in sorted(set(ASSET.findall(html))):
        response = client.get(path.decode())
        if response.status_code == 200:
            total += len(b"".join(response.streaming_content) if response.streaming else response.content)
    return total


def _third_party(html: bytes) -> list[str]:
    return sorted({url.decode() for url in EXTERNAL.findall(html) if HOST not in url.decode()})


def _profile(folder: Path, key: str, call, call_args: tuple, requests: int) -> None:
    from pyinstrument import Profiler

    folder.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        call(*call_args)
    profiler.stop()
    (folder / f"{key}.txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    buckets = dict.fromkeys(BUCKETS, 0.0)
    _sum_buckets(profiler.last_session.root_frame(), buckets, set())
    per_request = {name: round(seconds / requests * 1000, 2) for name, seconds in buckets.items()}
    per_request["cpu_ms"] = round(profiler.last_session.cpu_time / requests * 1000, 2)
    per_request["wall_ms"] = round(profiler.last_session.duration / requests * 1000, 2)
    (folder / f"{key}.json").write_text(json.dumps(per_request), encoding="utf-8")
    (folder / f"{key}.html").write_text(profiler.output_html(), encoding="utf-8")


# Where the time goes, by the outermost frame of each kind (so a bucket never counts itself twice;
# buckets overlap: SQL compiled inside a template counts under both).
BUCKETS = {
    "routing": lambda f: f.function in {"route_for_request", "find_for_request"},
    "view": lambda f: (
        f.function in {"serve", "get_context"}
        or (f.file_path_short.startswith(("courses/", "quizzes/", "cms/", "events/")) and f.function not in {"render"})
    ),
    "templates": lambda f: f.function == "render" and "django/template" in (f.file_path or ""),
    "sql_compile": lambda f: f.function == "as_sql" and "compiler" in (f.file_path or ""),
    "sql_execute": lambda f: f.function in {"execute", "executemany"} and "backends" in (f.file_path or ""),
    "cache_session_auth": lambda f: any(
        part in (f.file_path or "")
        for part in ("core/cache", "contrib/sessions", "contrib/auth/middleware", "middleware/csrf")
    ),
}


def _sum_buckets(frame, buckets: dict, inside: set) -> None:
    entered = {name for name, match in BUCKETS.items() if name not in inside and match(frame)}
    for name in entered:
        buckets[name] += frame.time
    for child in frame.children:
        _sum_buckets(child, buckets, inside | entered)


# --- wrk ---------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("  wrk is missing: installing Debian's package")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed; install Debian's package wrk")
    return found


# Whose CPU a request costs: processes grouped by their command name, read from /proc.
CPU_GROUPS = {"gunicorn": "django", "postgres": "postgresql", "redis-server": "redis"}
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """Every process of a group in CPU_GROUPS: pid → (group, user + system ticks so far)."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        name, rest = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        group = CPU_GROUPS.get(name.split(":")[0].split(" ")[0])
        if group:
            ticks[int(stat.parent.name)] = (group, int(rest[11]) + int(rest[12]))
    return ticks


def cpu_spent(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]], skip: int) -> dict[str, float]:
    """CPU seconds per group between two readings (processes started in between count from zero)."""
    spent: dict[str, float] = {}
    for pid, (group, ticks) in after.items():
        if pid == skip:
            continue
        start = before.get(pid, (group, 0))[1]
        spent[group] = spent.get(group, 0.0) + (ticks - start) / TICK
    return spent


def wrk_run(wrk: str, port: int, path: str, script: Path, seconds: int, env: dict[str, str]) -> dict:
    """One wrk run; the Lua scripts print one line ``RATIO {json}`` with counts and bad answers."""
    args = [wrk, "-t2", "-c10", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), f"http://{HOST}:{port}{path}"]
    before = cpu_ticks()
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env}, check=False)  # noqa: S603
    spent = cpu_spent(before, cpu_ticks(), skip=os.getpid())
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RATIO ")), None)
    if result.returncode or line is None:
        raise SystemExit(f"wrk failed on {path}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line[len("RATIO ") :])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["cpu_ms"] = {group: round(sec * 1000 / max(figures["requests"], 1), 3) for group, sec in spent.items()}
    return figures


def lua_env(data: dict, extra: dict, port: int, trainee_cookie: str) -> dict[str, dict[str, str]]:
    """What each page's Lua script reads from its environment (wrk passes no arguments to setup)."""
    origin = f"https://{HOST}:{port}"
    csrf = data["csrf"]
    answerers = data["quiz"]["answerers"][:ANSWERERS]
    quiz = ";".join(f"{a['attempt']},{a['slot']},{extra['versions'][str(a['slot'])]},{a['session']}" for a in answerers)
    organiser = data["scan"]["organiser_session"]
    return {
        "healthz": {},
        "home": {},
        "regulation": {},
        "search": {},
        "module": {"BENCH_COOKIE": f"sessionid={trainee_cookie}"},
        "course": {"BENCH_COOKIE": f"sessionid={trainee_cookie}"},
        "dashboard": {"BENCH_COOKIE": f"sessionid={trainee_cookie}"},
        "question": {"BENCH_COOKIE": f"sessionid={trainee_cookie}"},
        "autosave": {"BENCH_CSRF": csrf, "BENCH_ORIGIN": origin, "BENCH_ANSWERERS": quiz},
        "scan": {
            "BENCH_CSRF": csrf,
            "BENCH_ORIGIN": origin,
            "BENCH_COOKIE": f"sessionid={organiser}",
            "BENCH_TOKENS": ";".join(data["scan"]["tokens"]),
        },
    }


def cpu_split(figures: dict) -> str:
    """CPU ms per request as Django / PostgreSQL / Redis (a group with no process reads 0)."""
    return " / ".join(f"{figures['cpu_ms'].get(group, 0):.2f}" for group in ("django", "postgresql", "redis"))


def fraction(ratio: float) -> str:
    return f"1/{1 / ratio:.0f}" if ratio > 0 else "—"


def table(results: dict[str, list[dict]], figures: dict, label: str) -> str:
    lines = [
        f"| page | {label} ratio (median; rounds) | page req/s | /healthz/live req/s | goal | met "
        "| queries | HTML KB | HTML + CSS/JS KB | CPU ms per request: Django / PostgreSQL / Redis |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---|",
    ]
    for page in PAGES:
        rounds = results.get(page.key)
        if not rounds:
            continue
        ratios = [r["page"]["rps"] / r["healthz"]["rps"] for r in rounds]
        med = statistics.median(ratios)
        f = figures[page.key]
        lines.append(
            f"| {page.title} | {fraction(med)} ({', '.join(fraction(x) for x in ratios)}) "
            f"| {statistics.median(r['page']['rps'] for r in rounds):.0f} "
            f"| {statistics.median(r['healthz']['rps'] for r in rounds):.0f} | 1/{page.goal} "
            f"| {'yes' if med >= 1 / page.goal else 'no'} | {f['queries']} | {f['bytes'] / 1024:.1f} "
            f"| {(f['bytes'] + f['assets_bytes']) / 1024:.1f} | {cpu_split(median_cpu(rounds))} |"
        )
    return "\n".join(lines)


def median_cpu(rounds: list[dict]) -> dict:
    groups = {g for r in rounds for g in r["page"]["cpu_ms"]}
    return {"cpu_ms": {g: statistics.median(r["page"]["cpu_ms"].get(g, 0) for r in rounds) for g in groups}}


def git_commit() -> str:
    git = shutil.which("git") or "git"
    args = [git, "rev-parse", "--short", "HEAD"]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    return result.stdout.strip() or "unknown"


RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_results(tag: str, report: str) -> None:
    """Put ``report`` in RESULTS.md between this tag's markers (added at the end the first time)."""
    start, end = f"<!-- ratio {tag} -->", f"<!-- /ratio {tag} -->"
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{start}\n{report}{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    RESULTS.write_text(text, encoding="utf-8")
    say(f"written to {RESULTS} ({tag})")


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite in a temporary folder)")
    parser.add_argument("--recreate", action="store_true", help="drop and recreate that PostgreSQL database first")
    parser.add_argument("--redis-url", default="", help="cache and sessions in Redis, as production does")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per run (default 8)")
    parser.add_argument("--pages", default="", help="comma-separated page keys (default all)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--settings", default="bench.settings", help="settings module (default bench.settings)")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of each page here; no wrk run")
    parser.add_argument("--profile-requests", type=int, default=100, help="requests per profiled page")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument(
        "--write",
        metavar="TAG",
        default="latest",
        help="write the table into bench/RESULTS.md under this tag (replacing that tag's earlier table); '' to skip",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    parser.add_argument("django_step", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.django_step:  # run by ourselves in the server's environment
        prepared, out = (Path(p) for p in args.django_step[:2])
        django_pages(prepared, out, args.profile, args.profile_requests, set(filter(None, args.pages.split(","))))
        return 0
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (SQLite is the default)")
    wanted = [p for p in PAGES if not args.pages or p.key in args.pages.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="lms-ratio-"))
    log = tmp / "setup.log"
    env = server_env(tmp, args.database_url, args.redis_url, args.settings)
    label = (
        "PostgreSQL + Redis"
        if args.database_url and args.redis_url
        else "PostgreSQL"
        if args.database_url
        else "SQLite"
    )
    say(f"lms ratio benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {label}")
    say(f"machine: {machine()}")
    server = None
    succeeded = False
    try:
        say("setting up:")
        if args.database_url:
            ensure_postgres_database(args.database_url, recreate=args.recreate)
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()  # a stale cache from another run must not answer
        manage = [str(BIN / "python"), "manage.py"]
        run_step("migrate", [*manage, "migrate", "--noinput"], env, log)
        run_step("seed_demo (DEBUG=1)", [*manage, "seed_demo"], {**env, "DEBUG": "1"}, log)
        run_step("collectstatic", [*manage, "collectstatic", "--noinput"], env, log)
        prepared, extra_file = tmp / "prepared.json", tmp / "pages.json"
        helper = [str(BIN / "python"), str(ROOT / "bench" / "prepare.py")]
        run_step(
            "sessions, attempts, tickets",
            [*helper, "prepare", str(prepared), "--trainees", str(ANSWERERS + 1)],
            env,
            log,
        )
        step = [str(BIN / "python"), str(Path(__file__).resolve()), str(prepared), str(extra_file)]
        if args.profile:
            step += ["--profile", str(args.profile.resolve()), "--profile-requests", str(args.profile_requests)]
            step += ["--pages", args.pages]  # profile only these (every page's query count is still read)
        run_step("query counts and weights" + (", profiles" if args.profile else ""), step, env, log)
        data = json.loads(prepared.read_text(encoding="utf-8"))
        extra = json.loads(extra_file.read_text(encoding="utf-8"))
        figures = extra["figures"]
        for key, f in figures.items():
            say(
                f"  {key:<11} {f['queries']:>3} queries  {f['bytes'] / 1024:6.1f} KB HTML  "
                f"{(f['bytes'] + f['assets_bytes']) / 1024:6.1f} KB with CSS/JS  "
                f"third-party: {f['third_party'] or 'none'}"
            )
        if args.profile:
            say(f"profiles written to {args.profile}")
            succeeded = True
            return 0

        wrk = ensure_wrk()
        port = free_port()
        gunicorn = [str(BIN / "gunicorn"), "lms.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(args.workers)]
        with (tmp / "gunicorn.log").open("ab") as out:
            server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until_live(port, server)
        trainee_cookie = sign_in(port, data["trainee"]["email"], DEMO_PASSWORD)
        environments = lua_env(data, extra, port, trainee_cookie)
        paths = {"healthz": "/healthz/live", **extra["paths"]}
        scripts = {"autosave": LUA / "autosave.lua", "scan": LUA / "scan.lua"}

        def measure(key: str, seconds: int) -> dict:
            if key == "scan":
                run_step_quiet([*helper, "reset-scan", str(data["scan"]["session"])], env, log)
            if key == "autosave":
                # wrk stops with saves in flight that it never reads back: start from what the database holds.
                slots = [str(a["slot"]) for a in data["quiz"]["answerers"][:ANSWERERS]]
                run_step_quiet([*helper, "slots", str(tmp / "slots.json"), *slots], env, log)
                held = json.loads((tmp / "slots.json").read_text(encoding="utf-8"))
                extra["versions"] = {pk: row["version"] for pk, row in held.items()}
                environments["autosave"] = lua_env(data, extra, port, trainee_cookie)["autosave"]
            figures_ = wrk_run(wrk, port, paths[key], scripts.get(key, LUA / "get.lua"), seconds, environments[key])
            if figures_["bad"]:
                raise SystemExit(f"FAILED: {key}: {figures_['bad']} bad answers, e.g. {figures_['example']}")
            return figures_

        say(f"  server: gunicorn, {args.workers} sync workers; wrk -t2 -c10 -d{args.seconds}s; warming up")
        for key in ["healthz", *(p.key for p in wanted)]:
            measure(key, 1)
        results: dict[str, list[dict]] = {}
        for round_ in range(1, args.rounds + 1):
            say(f"round {round_}/{args.rounds} (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
            for page in wanted:
                base = measure("healthz", args.seconds)
                got = measure(page.key, args.seconds)
                results.setdefault(page.key, []).append({"healthz": base, "page": got})
                outcome = f"  outcomes {got['outcomes']}" if got.get("outcomes") else ""
                say(
                    f"  {page.key:<11} {got['rps']:8.1f} req/s  vs /healthz/live {base['rps']:8.1f}  "
                    f"= {fraction(got['rps'] / base['rps'])}  CPU ms/request {cpu_split(got)} "
                    f"(/healthz/live {cpu_split(base)}){outcome}"
                )
        say(
            f"\n{label}, median of {args.rounds} rounds; load average after: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        )
        say(table(results, figures, label))
        heaviest = max(f["bytes"] + f["assets_bytes"] for f in figures.values())
        outside = sorted({u for f in figures.values() for u in f["third_party"]})
        weight = (
            f"Page weight: the heaviest page is {heaviest / 1024:.1f} KB with its CSS and JS (before images), "
            f"{'under' if heaviest < WEIGHT_LIMIT else 'OVER'} 100 KB; "
            f"third-party requests: {', '.join(outside) if outside else 'none'}."
        )
        say("\n" + weight)
        report = (
            f"{label}, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, code at {git_commit()}; "
            f"{args.rounds} rounds of wrk -t2 -c10 -d{args.seconds}s, gunicorn with {args.workers} sync workers; "
            f"{machine()}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.\n\n"
            f"{table(results, figures, label)}\n\n{weight}\n"
        )
        if args.write:
            write_results(f"{args.write}:{label}", report)
        if args.json:
            args.json.write_text(
                json.dumps({"label": label, "machine": machine(), "figures": figures, "results": results}, indent=1),
                encoding="utf-8",
            )
        succeeded = True
        return 0
    finally:
        clean_up(server, tmp, keep=args.keep or not succeeded)


if __name__ == "__main__":
    sys.exit(main())
