"""Load bench: simulated users against a real server on 127.0.0.1, for a bounded time.

    .venv/bin/python bench/load.py --database postgres --users 100 --duration 60
    .venv/bin/python bench/load.py --database postgres --users 100 --duration 180 --write
    .venv/bin/python bench/load.py --revisions ba20755 HEAD --users 100 --duration 60 --write

For each target (the working tree, or each `--revisions` commit checked out with `git
worktree add` into a temporary folder, run with this same virtualenv), on a fresh scratch
database (a temporary SQLite file, or a PostgreSQL database on 127.0.0.1 dropped at the
end): the engine's Numba cache filled (`python -m tierslien.mixing.warmup`, as `make run`
does), `migrate`, `load_demo` (Lienville: 300 participants), `collectstatic` (as in
production: with DEBUG off the templates need the manifest), an open season, and a signed-in
session per simulated user (written with the server's SECRET_KEY, so the bench does not
trip allauth's login rate limit of 30 per minute per address). Then it starts the server
with DEBUG off — gunicorn with `--workers` processes when gunicorn is installed, otherwise
`manage.py runserver --noreload` (the table says which) —, measures how long the server
takes to accept connections and the latency of the first request (a cold page), then runs
`--users` threads for `--duration` seconds. Each user loops: a think time (uniform, mean
`--think` seconds), then one of: a public page (home, how it works, territories, Lienville,
the demo themed meeting, the login form), a participant page (their self-portrait, "my
data", the JSON export, the seasons, the season), a write (join the season with their
times, or leave it: GET the form, POST it, expect the redirect), or a static file linked by
the pages. Static files are counted apart (today nothing serves them with DEBUG off: 404)
and are not in the page figures. An error is a connection failure, a timeout, or any status
other than the one expected (200 for pages, 302 after a POST). The server and the database
are stopped and removed at the end, whatever happens; everything listens on 127.0.0.1.
The client threads run on the same machine as the server and share its cores.

Prints a Markdown table; `--write` appends it, with the command and the load average, to the
"Load" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from results import RESULTS, append_to_section  # noqa: E402

SECTION = "Load"
PYTHON = sys.executable
SECRET = "bench-load-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEF"

# Run inside the target checkout (`manage.py shell -c`), so it uses that revision's models.
SEED = """
import datetime, json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.apps import apps
Season = apps.get_model("circles", "Season")
Meeting = apps.get_model("gatherings", "Meeting")
Portrait = apps.get_model("portraits", "Portrait")
from tierslien.demo import territory as demo
territory = demo.ensure_territory()
today = datetime.date.today()
season = Season.objects.create(
    territory=territory, name="Load bench",
    registration_opens=today - datetime.timedelta(days=5),
    registration_closes=today + datetime.timedelta(days=30),
    first_week=today + datetime.timedelta(days=45),
)
store = import_module(settings.SESSION_ENGINE).SessionStore
users = []
portraits = list(Portrait.objects.filter(territory=territory).select_related("user").order_by("pk"))
for k in range(USERS):
    p = portraits[k % len(portraits)]
    session = store()
    session[SESSION_KEY] = str(p.user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = p.user.get_session_auth_hash()
    session.create()
    users.append({"session": session.session_key, "availability": list(p.availability),
                  "max_km": p.max_km})
meeting = Meeting.objects.filter(territory=territory).order_by("pk").first()
print("SEED" + json.dumps({"territory": territory.slug, "season": season.pk,
    "meeting": meeting.pk if meeting else None, "users": users,
    "cookie": settings.SESSION_COOKIE_NAME}))
"""


@dataclass
class Target:
    label: str  # what the table shows: "working tree (ba20755)" or "ba20755"
    checkout: Path


@dataclass
class Sample:
    kind: str  # public, participant, write, static
    seconds: float
    status: int  # 0: connection error or timeout
    ok: bool


@dataclass
class Outcome:
    target: str
    server: str
    database: str
    ready_s: float
    first_s: float
    first_status: int
    samples: list[Sample] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_max: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of the server's processes during the load
    duration: float = 0.0


# --- preparing a target ----------------------------------------------------------------


@contextlib.contextmanager
def checkout(revision: str | None, workdir: Path) -> Iterator[Target]:
    head = _git("rev-parse", "--short", "HEAD")
    if revision is None:
        dirty = (
            " + changes"
            if _git(
                "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"
            )
            else ""
        )
        yield Target(f"working tree ({head}{dirty})", ROOT)
        return
    short = _git("rev-parse", "--short", f"{revision}^{{commit}}")
    path = workdir / f"rev-{short}"
    _git("worktree", "add", "--detach", "--quiet", str(path), short)
    try:
        yield Target(short, path)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=False)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@contextlib.contextmanager
def scratch_database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir}/load-{uuid.uuid4().hex[:8]}.sqlite3"
        return
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    _psql(f"CREATE DATABASE {name}")
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _psql(command: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qXc", command],
        check=True,
    )


def server_env(database_url: str, extra: list[str]) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on 127.0.0.1
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "locmem",
        # Revisions that encrypt TOTP secrets refuse to start without a key when DEBUG is off.
        "MFA_ENCRYPTION_KEYS": "bG9hZC1iZW5jaC1vbmx5LWtleS0wMTIzNDU2Nzg5YWI=",
    }
    for pair in extra:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


def prepare(target: Target, env: dict[str, str], users: int) -> dict[str, object]:
    def manage(*args: str, debug: bool = False) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=target.checkout,
            env={**env, "DEBUG": "true"} if debug else env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"manage.py {args[0]} failed in {target.checkout}:\n{done.stderr}")
        return done.stdout

    # As `make run` and a deployment do: fill the engine's Numba cache once, so that the
    # workers' warm-up at start only loads the kernels (else each compiles them, ~30 s).
    subprocess.run(
        [PYTHON, "-m", "tierslien.mixing.warmup"],
        cwd=target.checkout,
        env=env,
        capture_output=True,
        check=False,
    )
    manage("compilemessages", "--ignore=.venv", "-v0")
    manage("migrate", "--no-input", "-v0")
    manage("createcachetable")  # revisions with the database cache need its table
    manage("load_demo", debug=True)
    manage("collectstatic", "--no-input", "-v0")
    out = manage("shell", "-c", SEED.replace("USERS", str(users)))
    line = next(line for line in out.splitlines() if line.startswith("SEED"))
    return json.loads(line[4:])  # type: ignore[no-any-return]


# --- the server -------------------------------------------------------------------------


def has_gunicorn() -> bool:
    done = subprocess.run([PYTHON, "-c", "import gunicorn"], capture_output=True, check=False)
    return done.returncode == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    target: Target, env: dict[str, str], port: int, workers: int, kind: str
) -> Iterator[tuple[str, float, int]]:
    if kind == "gunicorn":
        # A revision with its own production settings for gunicorn is measured with them.
        own_config = (target.checkout / "gunicorn.conf.py").exists()
        argv = [
            PYTHON,
            "-m",
            "gunicorn",
            *(["--config", "gunicorn.conf.py"] if own_config else ["tierslien.wsgi"]),
            "--chdir",
            str(target.checkout),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        label = f"gunicorn {workers} workers (sync{', gunicorn.conf.py' if own_config else ''})"
    else:
        argv = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        label = "runserver --noreload (threaded)"
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=target.checkout, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            deadline, address = started + 120, ("127.0.0.1", port)
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"The server stopped:\n{log.read().decode()[-3000:]}")
                with contextlib.suppress(OSError), socket.create_connection(address, 0.2):
                    break
                if time.perf_counter() > deadline:
                    raise SystemExit("The server did not accept connections within 120 s.")
                time.sleep(0.05)
            yield label, time.perf_counter() - started, process.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


# --- the simulated users ------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: str
    cookies: dict[str, str]
    location: str


def request(
    port: int,
    method: str,
    path: str,
    cookies: dict[str, str],
    form: dict[str, str | list[str]] | None = None,
    timeout: float = 30.0,
) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": f"127.0.0.1:{port}", "Accept-Language": "fr"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
            headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        new_cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            new_cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(
            response.status,
            data.decode("utf-8", "replace"),
            new_cookies,
            response.getheader("Location", ""),
        )
    finally:
        conn.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


class User(threading.Thread):
    def __init__(
        self,
        number: int,
        port: int,
        seed: dict[str, object],
        session: dict[str, object],
        deadline: float,
        think: float,
        statics: list[str],
        samples: list[Sample],
        lock: threading.Lock,
    ) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.port = port
        self.deadline = deadline
        self.think = think
        self.statics = statics
        self.samples = samples
        self.lock = lock
        self.cookies = {str(seed["cookie"]): str(session["session"])}
        self.availability = list(session["availability"])  # type: ignore[call-overload]
        self.max_km = str(session["max_km"])
        t, s, m = seed["territory"], seed["season"], seed["meeting"]
        self.season = f"/t/{t}/seasons/{s}/"
        self.public = ["/", "/how-it-works/", "/territories/", f"/t/{t}/", "/accounts/login/"]
        if m:
            self.public.append(f"/t/{t}/meetings/{m}/")
        self.private = [
            f"/t/{t}/portrait/",
            "/me/data/",
            "/me/data/export.json",
            f"/t/{t}/seasons/",
            self.season,
        ]
        self.joined = False

    def record(self, kind: str, seconds: float, status: int, ok: bool) -> None:
        with self.lock:
            self.samples.append(Sample(kind, seconds, status, ok))

    def hit(
        self,
        kind: str,
        method: str,
        path: str,
        expect: int,
        form: dict[str, str | list[str]] | None = None,
        with_session: bool = True,
    ) -> Response | None:
        began = time.perf_counter()
        try:
            response = request(self.port, method, path, self.cookies if with_session else {}, form)
        except (OSError, http.client.HTTPException):
            self.record(kind, time.perf_counter() - began, 0, False)
            return None
        seconds = time.perf_counter() - began
        self.cookies.update(response.cookies)
        self.record(kind, seconds, response.status, response.status == expect)
        return response

    def run(self) -> None:
        time.sleep(self.rng.uniform(0, 2 * self.think))  # users do not all arrive at once
        while time.perf_counter() < self.deadline:
            roll = self.rng.random()
            if roll < 0.40:
                self.hit("public", "GET", self.rng.choice(self.public), 200, with_session=False)
            elif roll < 0.80:
                self.hit("participant", "GET", self.rng.choice(self.private), 200)
            elif roll < 0.90:
                self.write()
            elif self.statics:
                self.hit("static", "GET", self.rng.choice(self.statics), 200, with_session=False)
            time.sleep(self.rng.uniform(0, 2 * self.think))

    def write(self) -> None:
        page = self.hit("participant", "GET", self.season, 200)
        if page is None or page.status != 200:
            return
        token = CSRF_INPUT.search(page.body)
        if token is None:
            self.record("write", 0.0, page.status, False)
            return
        if self.joined:
            path, form = self.season + "leave/", {"csrfmiddlewaretoken": token.group(1)}
        else:
            path = self.season
            form = {
                "csrfmiddlewaretoken": token.group(1),
                "availability": self.availability,
                "max_km": self.max_km,
            }
        response = self.hit("write", "POST", path, 302, form)
        if response is not None and response.status == 302:
            self.joined = not self.joined


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 of stat: the process group
                total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def load_sampler(stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(2.0):
        peak[0] = max(peak[0], os.getloadavg()[0])


def measure(target: Target, args: argparse.Namespace, workdir: Path) -> Outcome:
    with scratch_database(args.database, workdir) as url:
        env = server_env(url, args.server_env)
        seed = prepare(target, env, args.users)
        port = free_port()
        with server(target, env, port, args.workers, args.server) as (label, ready_s, pgid):
            slug = seed["territory"]
            began = time.perf_counter()
            first = request(port, "GET", f"/t/{slug}/", {}, timeout=120)
            first_s = time.perf_counter() - began
            statics = sorted(set(STATIC_LINK.findall(first.body)))
            # Let every worker finish starting (and load the engine's kernels) before the
            # clock starts: 2 requests per worker at once, then a short pause.
            warm = [
                threading.Thread(target=request, args=(port, "GET", "/", {}, None, 120))
                for _ in range(2 * args.workers)
            ]
            for thread in warm:
                thread.start()
            for thread in warm:
                thread.join()
            time.sleep(3)
            outcome = Outcome(target.label, label, args.database, ready_s, first_s, first.status)
            samples: list[Sample] = []
            lock = threading.Lock()
            outcome.load_before = os.getloadavg()
            peak = [outcome.load_before[0]]
            stop = threading.Event()
            sampler = threading.Thread(target=load_sampler, args=(stop, peak), daemon=True)
            sampler.start()
            cpu_before = group_cpu_seconds(pgid)
            start = time.perf_counter()
            deadline = start + args.duration
            sessions: list[dict[str, object]] = seed["users"]  # type: ignore[assignment]
            users = [
                User(k, port, seed, sessions[k], deadline, args.think, statics, samples, lock)
                for k in range(args.users)
            ]
            for user in users:
                user.start()
            for user in users:
                user.join(args.duration + 60)
            outcome.duration = time.perf_counter() - start
            outcome.server_cpu = group_cpu_seconds(pgid) - cpu_before
            stop.set()
            outcome.load_after = os.getloadavg()
            outcome.load_max = peak[0]
            outcome.samples = samples
    return outcome


# --- the report -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


INTRO = (
    "`bench/load.py` (its docstring has the details): a real server on 127.0.0.1 with DEBUG "
    "off, a fresh database with the demo town, N simulated signed-in participants (threads on "
    "the same machine) for D seconds, each looping think time then a public page (40 %), a "
    "participant page (40 %), a season join/leave (10 %: GET the form, POST it) or a static "
    "file (10 %, counted apart). Latencies are of pages and writes only; an error is any status"
    " other than 200 (pages) or 302 (POST), or no response. `ready s`: from starting the server"
    " to its first accepted connection; `first request`: the first page then (Lienville's "
    "public page, cold; then 2 requests per worker and a 3 s pause before the load, not "
    "counted; with gunicorn the master accepts connections before its workers have loaded the "
    "application, so this includes a worker's start). `server CPU ms / request`: CPU time of "
    "the server's processes during the load (not PostgreSQL's) over all requests, static "
    "included: less sensitive than latencies to what else runs on the shared machine. Runs are "
    "appended, newest last."
)

HEADER = (
    "| target | server | database | users | s | requests | req/s | p50 ms | p95 ms | p99 ms "
    "| errors | writes (ok) | static (status) | server CPU ms / request | ready s "
    "| first request ms | load avg |\n"
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"
)


def row(outcome: Outcome, users: int) -> str:
    pages = [s for s in outcome.samples if s.kind != "static"]
    statics = [s for s in outcome.samples if s.kind == "static"]
    seconds = [s.seconds * 1000 for s in pages]
    errors = sum(not s.ok for s in pages)
    writes = [s for s in pages if s.kind == "write"]
    static_statuses = sorted({s.status for s in statics})
    static = f"{len(statics)} ({'/'.join(map(str, static_statuses)) or '-'})"
    load = (
        f"{outcome.load_before[0]:.1f} → {outcome.load_after[0]:.1f} (peak {outcome.load_max:.1f})"
    )
    first = f"{outcome.first_s * 1000:.0f}"
    if outcome.first_status != 200:
        first += f" (HTTP {outcome.first_status})"
    return (
        f"| {outcome.target} | {outcome.server} | {outcome.database} | {users} | "
        f"{outcome.duration:.0f} | {len(pages):,} | {len(pages) / outcome.duration:.1f} | "
        f"{percentile(seconds, 50):.0f} | {percentile(seconds, 95):.0f} | "
        f"{percentile(seconds, 99):.0f} | {errors} | {len(writes)} "
        f"({sum(s.ok for s in writes)}) | {static} | "
        f"{outcome.server_cpu * 1000 / max(1, len(outcome.samples)):.0f} | "
        f"{outcome.ready_s:.2f} | {first} | {load} |"
    )


def error_detail(outcome: Outcome) -> str:
    counts: dict[tuple[str, int], int] = {}
    for s in outcome.samples:
        if not s.ok and s.kind != "static":
            counts[(s.kind, s.status)] = counts.get((s.kind, s.status), 0) + 1
    if not counts:
        return ""
    parts = [
        f"{n} {kind} → {status or 'no response'}" for (kind, status), n in sorted(counts.items())
    ]
    return f"{outcome.target}, errors: " + ", ".join(parts) + "."


def per_kind(outcome: Outcome) -> str:
    parts = []
    for kind in ("public", "participant", "write"):
        seconds = [s.seconds * 1000 for s in outcome.samples if s.kind == kind]
        if seconds:
            parts.append(
                f"{kind} {len(seconds):,} (p50 {percentile(seconds, 50):.0f} / "
                f"p95 {percentile(seconds, 95):.0f} ms)"
            )
    return f"{outcome.target}: " + ", ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--server",
        choices=["auto", "gunicorn", "runserver"],
        default="auto",
        help="auto: gunicorn when it is installed, otherwise runserver",
    )
    parser.add_argument(
        "--revisions",
        nargs="+",
        metavar="REV",
        help="measure these commits one after the other (git worktree add), not the tree",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server and the setup (e.g. CONN_MAX_AGE=60); repeatable",
    )
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    if not 1 <= args.users <= 1000 or not 1 <= args.duration <= 1800:
        parser.error("--users 1..1000 and --duration 1..1800 s: the bench stays bounded")
    if args.server == "auto":
        args.server = "gunicorn" if has_gunicorn() else "runserver"

    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_start = os.getloadavg()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="tierslien-load-") as tmp:
        for revision in args.revisions or [None]:
            with checkout(revision, Path(tmp)) as target:
                print(
                    f"== {target.label}: preparing, then {args.users} users for "
                    f"{args.duration:.0f} s",
                    file=sys.stderr,
                )
                outcome = measure(target, args, Path(tmp))
                outcomes.append(outcome)
                print(HEADER + "\n" + row(outcome, args.users), file=sys.stderr)
    load_end = os.getloadavg()

    table = HEADER + "\n" + "\n".join(row(o, args.users) for o in outcomes)
    notes = [per_kind(o) for o in outcomes] + [e for o in outcomes if (e := error_detail(o))]
    print(table)
    print("\n".join(notes))
    if args.write:
        command = "python bench/load.py " + shlex.join(sys.argv[1:])
        load = (
            ", ".join(f"{x:.1f}" for x in load_start)
            + " → "
            + ", ".join(f"{x:.1f}" for x in load_end)
        )
        append_to_section(
            SECTION,
            intro=INTRO,
            body=f"### {when}\n\nCommand: `.venv/bin/{command}` — think time {args.think} s mean, "
            f"load average (1, 5, 15 min) {load}, {os.cpu_count()} cores shared.\n\n"
            + table
            + "\n\n"
            + "\n".join(notes),
        )
        print(f"Appended to {RESULTS.relative_to(ROOT)}.", file=sys.stderr)


if __name__ == "__main__":
    main()
