"""The system test: the production stack as `make prod` runs it, hurt where it matters.

A scratch PostgreSQL database, a real SMTP server (aiosmtpd, 127.0.0.1, a free port) and
`scripts/prod run` — the supervisor with gunicorn (2 workers), 2 task workers and the
scheduler, DEBUG off. The demo town is loaded with a season open for registration; then,
over HTTP only, the demo facilitator signs in (password, then a TOTP code) and composes the
season. While the composition runs, the task worker running it is killed with SIGKILL: the
supervisor starts it again, the silent job is noticed (the facilitator's progress page, the
scheduler's `recover_stalled_jobs`) and run again until the proposal is ready. During the
publication a gunicorn worker is killed with SIGKILL too (the one serving the request when it
can be caught); the facilitator sends the form again if the page broke, as a person would.

Then: the season is published; every placed person received their invitation exactly once
(one outbox row each, one SMTP delivery of that row's Message-ID); no task is left waiting or
running but the one whose worker was killed; no season is left composing; /health/ is 200.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/pytest -n0 tests/system

About 1.5 minutes on two busy cores; skipped without PostgreSQL or gunicorn.
"""

from __future__ import annotations

import collections
import contextlib
import importlib.util
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.system.stack import (
    Browser,
    ScratchDatabase,
    Stack,
    cmdline,
    holder_of,
    local_ports_to,
    manage,
    pid_alive,
    production_env,
    server_socket_inode,
    setup,
    wait_for,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(not ON_POSTGRES, reason="the system test runs on PostgreSQL only"),
    pytest.mark.skipif(
        importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("aiosmtpd") is None, reason="aiosmtpd is not installed"
    ),
]

HOST = "127.0.0.1"
COMPOSE_SECONDS = 4  # the engine's time limit: long enough to be caught running
STALLED_AFTER = 8  # seconds of silence before a running job counts as dead (1 s heartbeats)

SEED = """
import datetime, json
from django.utils import timezone
from tierslien.accounts.models import User
from tierslien.circles.models import Registration, Season, monday_of
from tierslien.portraits.models import MeetingMode, Portrait
from tierslien.demo import territory as demo

territory = demo.load_demo(0).territory
User.objects.filter(email=demo.FACILITATOR_EMAIL).update(language="en")
today = timezone.localdate()
season = Season.objects.create(
    territory=territory,
    name="Lienville, system test",
    registration_opens=today - datetime.timedelta(days=1),
    registration_closes=today + datetime.timedelta(days=7),
    first_week=monday_of(today + datetime.timedelta(days=14)),
    sessions=3,
)
# The people of one sector and everyone meeting online only, as the end-to-end journey does.
people = Portrait.objects.filter(territory=territory).exclude(user__email=demo.PARTICIPANT_EMAIL)
sector = people.exclude(sector=None).order_by("pk").first().sector
chosen = list(people.filter(sector=sector)) + list(
    people.filter(meeting_mode=MeetingMode.ONLINE).exclude(sector=sector)
)
Registration.objects.bulk_create(
    Registration(season=season, user_id=p.user_id, availability=p.availability, max_km=p.max_km)
    for p in chosen
)
print(json.dumps({"season": season.pk, "slug": territory.slug, "registered": len(chosen)}))
"""


def free_port() -> int:
    from tests.smtp import free_port as pick

    return pick()


def totp_code() -> str:
    from tests.e2e.conftest import current_totp
    from tierslien.demo.territory import FACILITATOR_TOTP_SECRET

    return current_totp(FACILITATOR_TOTP_SECRET)


@pytest.fixture
def smtp():
    from tests.smtp import SmtpServer

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sign_in(browser: Browser) -> None:
    """The real login page, then the second factor, as the facilitator."""
    from tierslien.demo.territory import DEMO_PASSWORD, FACILITATOR_EMAIL

    page = browser.get("/accounts/login/")
    assert page.status == 200, page.status
    response = browser.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": page.csrf(),
            "login": FACILITATOR_EMAIL,
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status == 302 and "/2fa/" in response.location, (
        response.status,
        response.location,
    )
    second = browser.get(response.location)
    assert second.status == 200
    response = browser.post(
        response.location, {"csrfmiddlewaretoken": second.csrf(), "code": totp_code()}
    )
    assert response.status == 302 and "/2fa/" not in response.location, (
        response.status,
        response.location,
    )


def test_the_stack_survives_killed_workers_and_sends_each_invitation_once(
    smtp, tmp_path: Path
) -> None:
    started = time.monotonic()
    timeline: list[str] = []

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - started:6.1f} s  {what}")

    database = ScratchDatabase(DATABASE_URL)
    web_port = free_port()
    env = production_env(
        database.url,
        bind=f"{HOST}:{web_port}",
        smtp_port=smtp.port,
        WEB_CONCURRENCY="2",
        TASK_WORKERS="2",
        COMPOSE_TIME_LIMIT=str(COMPOSE_SECONDS),
        JOB_HEARTBEAT_SECONDS="1",
        JOB_STALLED_AFTER_SECONDS=str(STALLED_AFTER),
        HEARTBEAT_SECONDS="2",
    )
    stack = Stack(env, tmp_path / "stack.log")
    try:
        database.create()
        setup(env)
        seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
        season_id, slug = seeded["season"], seeded["slug"]
        note(f"database ready, {seeded['registered']} people registered")

        stack.start()
        browser = Browser(HOST, web_port)

        def healthy() -> dict | None:
            with contextlib.suppress(OSError):
                response = browser.get("/health/")
                if response.status == 200:
                    return json.loads(response.body)
            return None

        wait_for("/health/ to answer 200 after the start", healthy, seconds=120, every=1)
        names = stack.pids()
        assert {"web", "worker-1", "worker-2", "scheduler"} <= set(names), names
        assert len(stack.web_workers()) == 2, "gunicorn should run 2 workers"
        note(f"stack healthy: {names}")

        sign_in(browser)
        manage_url = f"/t/{slug}/manage/seasons/"
        season_url = f"{manage_url}{season_id}/"
        listing = browser.get(manage_url)
        assert listing.status == 200, listing.status
        note("facilitator signed in (password + TOTP)")

        # --- compose, and kill the worker running it -----------------------------------------
        response = browser.post(f"{season_url}compose/", {"csrfmiddlewaretoken": listing.csrf()})
        assert response.status == 302 and "progress" in response.location, response.location
        running = wait_for(
            "the composition to run in a task worker",
            lambda: database.rows(
                "SELECT t.id, t.worker_ids FROM django_tasks_database_dbtaskresult t"
                " JOIN circles_season s ON s.id = %s"
                " WHERE t.status = 'RUNNING' AND t.task_path LIKE %s"
                " AND s.job_state = 'running'",
                season_id,
                "%compose_season",
            ),
            seconds=60,
            every=0.1,
        )
        ((killed_task, worker_ids),) = running
        worker_name = worker_ids[-1].split("@")[0]
        victim = stack.pid_of(worker_name)
        assert "db_worker" in cmdline(victim), cmdline(victim)
        os.kill(victim, signal.SIGKILL)
        note(f"composing in {worker_name}: pid {victim} killed (task {killed_task})")

        wait_for(
            f"the supervisor to start {worker_name} again",
            lambda: stack.pid_of(worker_name) != victim and pid_alive(stack.pid_of(worker_name)),
            seconds=30,
        )

        def proposed() -> bool:
            # The facilitator watches the progress page (without JavaScript it refreshes
            # every 2 s); opening it notices a silent composition and runs it again.
            # Once done, the page leads to the proposal by itself (a redirect).
            page = browser.get(f"{season_url}progress/")
            state = json.loads(browser.get(f"{season_url}progress.json").body)
            assert state["state"] in ("composing", "proposed"), state
            if page.status == 302:
                assert state["state"] == "proposed", state
                return True
            assert page.status == 200, page.status
            return state["state"] == "proposed"

        wait_for("the proposal after the retry", proposed, seconds=90, every=2)
        retries, attempt = database.rows(
            "SELECT job_retries, job_attempt FROM circles_season WHERE id = %s", season_id
        )[0]
        assert retries == 1, f"the composition should have been retried once, not {retries}"
        note(f"proposal ready (attempt {attempt}, {retries} automatic retry)")

        proposal = browser.get(f"{season_url}proposal/")
        assert proposal.status == 200, proposal.status
        members = dict(
            database.rows(
                "SELECT u.email, m.id FROM circles_membership m"
                " JOIN circles_circle c ON c.id = m.circle_id"
                " JOIN accounts_user u ON u.id = m.user_id WHERE c.season_id = %s",
                season_id,
            )
        )
        assert len(members) >= 30, f"only {len(members)} people placed"

        # --- publish, and kill the gunicorn worker serving it ---------------------------------
        web_workers = stack.web_workers()
        killed_web: list[int] = []
        answered = threading.Event()
        hunters: list[threading.Thread] = []

        def kill_the_server_of(client: tuple[str, int]) -> None:
            """Once the request is sent: find the gunicorn worker holding its connection
            (/proc), wait until that worker's database session has written in its open
            transaction (the publication is under way), and kill it — unless the response
            came first."""

            def written(watch: object, holder: int) -> bool:
                ports = local_ports_to(holder, database.port)
                return bool(ports) and bool(
                    watch.execute(  # type: ignore[attr-defined]
                        "SELECT 1 FROM pg_stat_activity WHERE client_port = ANY(%s)"
                        " AND backend_xid IS NOT NULL",
                        (ports,),
                    ).fetchone()
                )

            def hunt() -> None:
                deadline = time.monotonic() + 5
                holder = None
                with database.connect() as watch:
                    while time.monotonic() < deadline and not answered.is_set():
                        if holder is None:
                            inode = server_socket_inode((HOST, web_port), client)
                            holder = holder_of(inode, web_workers) if inode else None
                        elif written(watch, holder):
                            os.kill(holder, signal.SIGKILL)
                            killed_web.append(holder)
                            return
                        time.sleep(0.002)

            hunters.append(threading.Thread(target=hunt, daemon=True))
            hunters[0].start()

        publish_token = proposal.csrf()
        response = None
        try:
            response = browser.open(
                "POST",
                f"{season_url}publish/",
                {"csrfmiddlewaretoken": publish_token},
                sent=kill_the_server_of,
            )
            outcome = f"HTTP {response.status}"
        except OSError as error:  # the page broke: its worker died
            outcome = f"no response ({type(error).__name__})"
        answered.set()
        for hunter in hunters:
            hunter.join(5)
        if killed_web:
            outcome = f"worker {killed_web[0]} killed inside the transaction; {outcome}"
        else:  # the request was too quick to be caught: kill one worker right after it
            os.kill(web_workers[0], signal.SIGKILL)
            killed_web.append(web_workers[0])
            outcome = f"{outcome}; worker {killed_web[0]} killed just after"
        state_then = database.value("SELECT state FROM circles_season WHERE id = %s", season_id)
        queued_then = database.value(
            "SELECT count(*) FROM outbox_message WHERE topic = %s", f"season:{season_id}"
        )
        # All at once or not at all: a killed publication left nothing, or everything.
        assert (state_then, queued_then) in (("proposed", 0), ("published", len(members))), (
            state_then,
            queued_then,
        )
        note(f"publish: {outcome}; season {state_then}")
        if response is None or response.status >= 500:
            # The facilitator sends the form again, as a person would after an error page.
            again = browser.post(f"{season_url}publish/", {"csrfmiddlewaretoken": publish_token})
            assert again.status == 302, again.status
            note("publish sent again by the facilitator")
        else:
            assert response.status == 302, response.status

        circles_page = browser.get(f"{season_url}circles/")
        assert circles_page.status == 200, circles_page.status
        assert database.value("SELECT state FROM circles_season WHERE id = %s", season_id) == (
            "published"
        )
        wait_for(
            "gunicorn to replace its worker",
            lambda: len(stack.web_workers()) == 2 and killed_web[0] not in stack.web_workers(),
            seconds=30,
        )

        # --- every invitation exactly once ----------------------------------------------------
        topic = f"season:{season_id}"
        rows = database.rows(
            "SELECT recipient, message_id FROM outbox_message WHERE topic = %s", topic
        )
        per_recipient = collections.Counter(recipient for recipient, _ in rows)
        assert set(per_recipient) == set(members), "an invitation row is missing or extra"
        assert max(per_recipient.values()) == 1, [r for r, n in per_recipient.items() if n > 1]
        message_ids = {message_id: recipient for recipient, message_id in rows}

        def delivered() -> bool:
            done = database.value(
                "SELECT count(*) FROM outbox_message WHERE topic = %s AND state = 'sent'", topic
            )
            return done == len(rows)

        # The on-commit task sends them in seconds; rows whose task was lost wait for the
        # scheduler's sweep (every minute).
        wait_for("every invitation to be sent", delivered, seconds=100, every=1)
        time.sleep(3)  # a duplicate would arrive now
        received = collections.Counter(
            str(message["Message-ID"]) for message in list(smtp.received)
        )
        season_mail = {mid: n for mid, n in received.items() if mid in message_ids}
        assert set(season_mail) == set(message_ids), "an invitation never reached the server"
        duplicates = {mid: n for mid, n in season_mail.items() if n > 1}
        assert not duplicates, f"invitations delivered twice (no sender was killed): {duplicates}"
        recipients = collections.Counter(
            rcpt for _, rcpts in list(smtp.handler.envelopes) for rcpt in rcpts
        )
        assert all(recipients[email] == 1 for email in members), "an address got two emails"
        attempts = database.value(
            "SELECT max(attempts) FROM outbox_message WHERE topic = %s", topic
        )
        note(f"{len(members)} invitations, each delivered once (max attempts {attempts})")

        # --- nothing left behind --------------------------------------------------------------
        assert database.value("SELECT count(*) FROM circles_season WHERE state = 'composing'") == 0
        ready = database.rows(
            "SELECT id, task_path FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
            " AND enqueued_at < now() - interval '30 seconds' AND run_after <= now()"
        )
        assert not ready, f"tasks waiting too long: {ready}"
        # django-tasks-db cannot finish the row of a task whose worker was killed: it stays
        # RUNNING (the season's own job was recovered by a new task). Any other task still
        # running, or failed, is a bug.
        leftovers = database.rows(
            "SELECT id::text, status, task_path, exception_class_path"
            " FROM django_tasks_database_dbtaskresult WHERE status IN ('RUNNING', 'FAILED')"
        )
        assert [row for row in leftovers if row[0] != str(killed_task)] == [], leftovers
        note(f"tasks left: {[(row[1], row[2]) for row in leftovers]}")

        health = wait_for("/health/ to answer 200 at the end", healthy, seconds=30, every=1)
        assert health["status"] == "ok", health
        assert health["checks"]["workers"]["alive"] == 2, health["checks"]["workers"]
        note("health 200")
        log = stack.log()
        assert f"{worker_name} exited with code -9" in log
        assert "Traceback" not in log, "an error in the stack's log (printed below)"
    except BaseException:
        print("\n".join(timeline))
        with contextlib.suppress(OSError):
            print("--- stack log (end) ---\n" + stack.log()[-15000:])
        raise
    finally:
        try:
            stack.stop()
        finally:
            database.drop()
    print("\n".join(timeline))
    assert time.monotonic() - started < 240, "the system test should take under 4 minutes"
