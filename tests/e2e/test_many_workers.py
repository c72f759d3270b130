"""The API under real gunicorn with four workers: every response agrees with the database.

Several clients run at once in threads, half of them browsers (session cookie + CSRF
token) and half token clients. Each signs up, logs in, then creates events and lists its
own after every creation. Gunicorn's sync workers close the connection after each
response, so consecutive requests of one client land on whichever worker accepts first:
a session kept in one worker's memory would fail here. The access log (with the worker's
pid and the client's name) shows which workers served each client.

Loopback only; a bounded number of requests (about 200); a few seconds per database.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from eventapi import MIGRATIONS_DIR, create_app
from eventapi.config import with_postgres_driver
from eventapi.extensions import db
from eventapi.seed import seed_static_rows
from flask_dredd.run.database import ensure_database, parse_url
from flask_dredd.run.server import GunicornServer

pytestmark = pytest.mark.e2e

WORKERS = 4
CLIENTS = 6  # every other one a browser
EVENTS_PER_CLIENT = 12
PASSWORD = "correct-horse-battery"
ACCESS_LOG = re.compile(r"^worker=<?(\d+)>? client=(\S+) (\w+) (\S+) status=(\d+)$")


class LoggingGunicorn(GunicornServer):
    """The runner's gunicorn, with an access log that names the worker and the client."""

    def command(self) -> list[str]:
        *options, app_spec = super().command()
        log_format = "worker=%(p)s client=%({x-client}i)s %(m)s %(U)s status=%(s)s"
        return [*options, "--access-logformat", log_format, app_spec]


WARM_UP = "warm-up"


def workers_by_client(log: Path) -> dict[str, set[str]]:
    """The worker pids that served each client, from the access log (never a 5xx)."""
    served_by: dict[str, set[str]] = defaultdict(set)
    for line in log.read_text().splitlines():
        if match := ACCESS_LOG.match(line):
            worker, client, _method, _path, status = match.groups()
            assert not status.startswith("5"), line
            served_by[client].add(worker)
    return served_by


def wait_for_every_worker(url: str, log: Path, seconds: float = 60) -> None:
    """Until each worker has answered once: on a busy machine the last to boot may still
    be importing the app when the clients are done, and serve none of them."""
    deadline = time.monotonic() + seconds
    while len(workers_by_client(log).get(WARM_UP, ())) < WORKERS:
        assert time.monotonic() < deadline, f"not every worker answered: {log.read_text()}"
        burst = [threading.Thread(target=requests.get, args=(f"{url}/events",),
                                  kwargs={"headers": {"X-Client": WARM_UP}, "timeout": 30})
                 for _ in range(WORKERS * 2)]  # fmt: skip
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join()


@dataclass
class Client:
    name: str
    browser: bool
    base: str
    http: requests.Session = field(default_factory=requests.Session)
    user_id: int = 0
    created: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, expected: int, **kwargs) -> requests.Response:
        headers = {"X-Client": self.name, **kwargs.pop("headers", {})}
        response = self.http.request(
            method, self.base + path, headers=headers, timeout=20, **kwargs
        )
        if response.status_code != expected:
            self.errors.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response

    def log_in(self) -> None:
        email = f"{self.name}@example.com"
        user = self.call(
            "POST", "/users", 201, json={"email": email, "name": self.name, "password": PASSWORD}
        )
        self.user_id = user.json()["id"]
        credentials = {"email": email, "password": PASSWORD}
        if self.browser:  # cookies stay in the requests.Session; every unsafe call sends the token
            login = self.call("GET", "/auth/csrf", 200).json()["csrf_token"]  # login CSRF
            credentials["csrf_token"] = login
            token = self.call("POST", "/auth/session", 201, data=credentials).json()["csrf_token"]
            assert self.http.cookies.get("csrf_token") == token
            self.http.headers["X-CSRFToken"] = token
        else:
            token = self.call("POST", "/auth/login", 200, json=credentials).json()["access_token"]
            self.http.headers["Authorization"] = f"Bearer {token}"

    def work(self, start: threading.Barrier) -> None:
        try:
            self.log_in()
            start.wait(timeout=30)
            for n in range(EVENTS_PER_CLIENT):
                self.create_then_list(n)
                if self.browser and n % 4 == 3:
                    self.call("POST", "/auth/ping", 200)
                    session = self.call("GET", "/auth/session", 200).json()
                    if session["user_id"] != self.user_id:
                        self.errors.append(f"session of user {session['user_id']}")
        except Exception as exc:  # noqa: BLE001 — reported by the test, with the others
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def create_then_list(self, n: int) -> None:
        day = f"2025-07-{n + 1:02d}"
        body = {
            "title": f"{self.name} {n}",
            "starts_at": f"{day}T10:00:00Z",
            "ends_at": f"{day}T11:00:00Z",
        }
        created = self.call("POST", "/events", 201, json=body)
        if created.status_code != 201:
            return
        self.created.append(created.json()["id"])
        listed = self.call("GET", f"/events?owner_id={self.user_id}&per_page=100", 200).json()
        ids = [event["id"] for event in listed["items"]]
        if ids != self.created or listed["meta"]["total"] != len(self.created):
            self.errors.append(f"after creating {self.created} the list said {ids}")


def database_ready(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        seed_static_rows(db.session)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'many_workers_test.db'}"
    url = request.getfixturevalue("postgres_url")  # a fresh database, dropped afterwards
    ensure_database(parse_url(url))
    return with_postgres_driver(url)


def test_many_workers_agree_with_the_database(tmp_path: Path, database_url: str):
    database_ready(database_url)
    env = {
        **os.environ,
        "EVENTAPI_CONFIG": "contract",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "many-workers-test-key-not-secret-000000",
    }
    log = tmp_path / "server.log"
    server = LoggingGunicorn("eventapi:create_app()", workers=WORKERS, env=env, log_path=log)
    clients = [Client(f"client{i}", browser=i % 2 == 0, base="") for i in range(CLIENTS)]
    try:
        server.start()
        server.wait_ready(probe_path="/events")
        wait_for_every_worker(server.url, log)
        start = threading.Barrier(CLIENTS)
        for client in clients:
            client.base = server.url
        threads = [threading.Thread(target=c.work, args=(start,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a client hung"
    finally:
        server.stop()

    problems = {c.name: c.errors for c in clients if c.errors}
    assert not problems, problems

    # Every response agreed with the database: the events each client was told it created
    # are exactly the rows, with the right owner.
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, owner_id FROM events")).all()
        sessions = connection.execute(text("SELECT user_id FROM login_sessions")).scalars().all()
    engine.dispose()
    assert sorted(rows) == sorted((i, c.user_id) for c in clients for i in c.created)
    assert all(len(c.created) == EVENTS_PER_CLIENT for c in clients)
    browsers = [c for c in clients if c.browser]
    assert sorted(sessions) == sorted(c.user_id for c in browsers)

    # ...and the requests were spread over the workers: each browser's session was
    # honoured by several processes.
    served_by = workers_by_client(log)
    served_by.pop(WARM_UP, None)
    assert len(set().union(*served_by.values())) == WORKERS, dict(served_by)
    for browser in browsers:
        assert len(served_by[browser.name]) >= 2, (browser.name, served_by[browser.name])
