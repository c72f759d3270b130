"""The hooks' wiring in one line: the app, a prepared database, a reset before each.

A project's setup hook file is::

    from flask_dredd import install

    install()  # or install(seed="myapp.seed:static_rows", db="myapp.database", ...)

`install` registers two hooks, shown at the line that called it:

- ``before_all``: build the app, push its app context for good (hooks run one after
  another in one thread, so every later hook and factory works inside it), find its
  database, check it (the guard, the migrations, the same database as the server), then
  `Isolation.prepare()`;
- ``before_each``: `Isolation.reset()`, then restart the sequences of every factory
  built on `flask_dredd.factories.BaseFactory`, so ids and sequence numbers start at 1.

Each setting is an argument, else an environment variable, else a default:

| argument | environment | default |
|---|---|---|
| ``app`` | ``FLASK_DREDD_APP`` (set by ``flask --app X dredd run``), ``FLASK_APP`` | required |
| ``db`` | ``FLASK_DREDD_DB`` | the app's Flask-SQLAlchemy extension |
| ``seed`` | ``FLASK_DREDD_SEED`` | no static rows |
| ``migrations`` | ``FLASK_DREDD_MIGRATIONS`` | see `isolation.migrations` |
| ``strategy`` | ``FLASK_DREDD_RESET`` | ``tracked`` |

``app`` is what ``flask --app`` takes (``pkg``, ``pkg:app``, ``pkg:create_app()``), a
Flask app, or a function returning one: the project's own factory, so the hooks see the
same config, extensions and database as the server; its routes are never served. To
boot something lighter (no blueprints, no CSRF), pass a function that builds it.
``db`` is Flask-SQLAlchemy's ``db``, Alchemical's ``db``, or a module or object with
``engine``, ``metadata`` and ``session`` (plain SQLAlchemy 2), as an object or
``"module:attribute"``; other wrappers pass ``engine=``, ``metadata=`` and ``session=``
(a session or a function returning the current one) instead. ``seed`` is a
function of the session (or ``"module:function"``) that inserts the rows every
transaction starts with.

Every mistake is reported before the database is touched, with what to do.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dredd_hooks_handler import hooks
from flask import Flask
from flask.ctx import AppContext
from sqlalchemy.engine import URL, make_url

from flask_dredd.callsite import at_call_site, project_frame
from flask_dredd.isolation import Isolation, IsolationError
from flask_dredd.isolation.strategies import choose_strategy
from flask_dredd.transactions import Transaction

APP_ENV = "FLASK_DREDD_APP"
DB_ENV = "FLASK_DREDD_DB"
SEED_ENV = "FLASK_DREDD_SEED"

AppSource = Flask | Callable[[], Flask] | str | None


class WiringError(IsolationError):
    """The hooks' wiring cannot find or use something; the message says what to set."""


class Wiring:
    """What `install` registered: the settings, then the app and isolation once booted."""

    def __init__(
        self,
        app: AppSource,
        db: Any,
        seed: Callable[[Any], object] | str | None,
        strategy: str | None,
        migrations: str | None,
        parts: dict[str, Any],
    ) -> None:
        self.app_source, self.db_source, self.seed_source = app, db, seed
        self.strategy, self.migrations, self.parts = strategy, migrations, parts
        self.app: Flask | None = None
        self.context: AppContext | None = None
        self.isolation: Isolation | None = None

    def boot(self) -> None:
        """Build the app, push its context, find and check the database, prepare it."""
        app = load_app(self.app_source)
        context = app.app_context()
        context.push()
        try:
            db = None if self.parts else find_db(app, self.db_source)
            isolation = Isolation(
                db,
                seed=load_seed(self.seed_source),
                strategy=self.strategy,
                migrations=self.migrations,
                **self.parts,
            )
            check_same_database(isolation.db.engine.url)
            isolation.prepare()
            watch_disconnects(isolation.db.engine)
        except BaseException:
            context.pop()  # no half-booted app left current
            raise
        self.app, self.context, self.isolation = app, context, isolation

    def check(self) -> None:
        """What `boot` checks before it touches the database: the app, its database
        object, the migrations setting, the same database as the run. Changes nothing."""
        app = load_app(self.app_source)
        with app.app_context():
            db = None if self.parts else find_db(app, self.db_source)
            isolation = Isolation(db, seed=load_seed(self.seed_source), strategy=self.strategy,
                                  migrations=self.migrations, **self.parts)  # fmt: skip
            check_same_database(isolation.db.engine.url)

    def close(self) -> None:
        """Pop the app context `boot` pushed (tests that boot in their own process)."""
        if self.context is not None:
            self.context.pop()
            self.context = None

    def reset(self) -> None:
        if self.isolation is None:
            raise WiringError("the database was not prepared: the before_all hook failed")
        self.isolation.reset()
        restart_factory_sequences()

    def session(self) -> Any:
        if self.isolation is None:
            raise WiringError("no database yet: fixtures run after the before_all hook")
        return self.isolation.db.session


_installed: Wiring | None = None


def install(
    app: AppSource = None,
    *,
    db: Any = None,
    seed: Callable[[Any], object] | str | None = None,
    strategy: str | None = None,
    migrations: str | None = None,
    engine: Any = None,
    metadata: Any = None,
    session: Any = None,
) -> Wiring:
    """Register the setup (``before_all``) and reset (``before_each``) hooks; see above."""
    global _installed
    choose_strategy(strategy)  # a misspelt strategy fails as the hook file loads
    parts = {k: v for k, v in (("engine", engine), ("metadata", metadata), ("session", session))
             if v is not None}  # fmt: skip
    if parts and db is not None:
        raise WiringError("install() takes db= or engine=, metadata= and session=, not both")
    frame = project_frame()
    site = (frame.f_code.co_filename, frame.f_lineno)
    if _installed is not None and any(
        (h.kind, h.file, h.line) == ("before_all", *site) for h in hooks.registry
    ):
        return _installed  # the same hook file imported twice: its hooks are registered
    wiring = _installed = Wiring(app, db, seed, strategy, migrations, parts)

    def prepare_database(transactions: Any) -> None:
        try:
            wiring.boot()
        except IsolationError as exc:
            report_setup_error(exc, f"{site[0]}:{site[1]} prepare_database")
            raise

    def reset_database(transaction: Transaction) -> None:
        wiring.reset()

    hooks.before_all(at_call_site(prepare_database, "prepare_database", frame=frame))
    hooks.before_each(at_call_site(reset_database, "reset_database", frame=frame))
    return wiring


def report_setup_error(error: Exception, hook: str) -> None:
    """Tell `flask dredd run` that the setup failed, so it exits 2 (a setup error).

    The notice goes into the handler's abort file (``FLASK_DREDD_ABORT_FILE``) with
    ``"setup": true``; the hook still raises, so every transaction fails with the message.
    """
    notice = {"cause": f"setup error: {error}", "hook": hook, "transaction": None, "setup": True}
    _write_abort_notice(notice)


def _write_abort_notice(notice: dict[str, Any], replace: bool = True) -> None:
    path = os.environ.get("FLASK_DREDD_ABORT_FILE")
    if not path:
        return  # not under `flask dredd run`: the failing hook says it all
    if not replace and Path(path).exists():
        return
    with contextlib.suppress(OSError):  # the failing transactions carry the message anyway
        Path(path).write_text(json.dumps(notice))


def watch_disconnects(engine: Any) -> None:
    """A database that goes away mid-run (its connections closed: a restart,
    ``pg_terminate_backend``, the database dropped) aborts the run, naming it.

    The failing transaction alone would make it look like a failed contract (exit 1),
    and the run's lock on the database ended with the connections. The first such error
    of the hooks' engine leaves a notice in the abort file; the runner exits 3 with it.
    """
    from sqlalchemy import event

    url = engine.url
    where = f"{url.database} on {url.host}:{url.port or 5432}" if url.host else url.database

    def on_error(context: Any) -> None:
        if not context.is_disconnect:
            return
        error = str(context.original_exception).strip().splitlines()
        cause = (
            f"the database {where} went away mid-run: its connection was closed "
            f"({error[0] if error else type(context.original_exception).__name__}); the "
            "results after it prove nothing, and the run's lock on the database ended with "
            "its connections. Find what closed them (a restart, pg_terminate_backend, the "
            "database dropped), then run again"
        )
        _write_abort_notice({"cause": cause, "hook": None, "transaction": None}, replace=False)

    event.listen(engine, "handle_error", on_error)


def current_session() -> Any:
    """The session fixtures write through: the installed wiring's, else the current app's
    Flask-SQLAlchemy session (tests that push an app context of their own)."""
    if _installed is not None and _installed.isolation is not None:
        return _installed.session()
    from flask import current_app, has_app_context

    extension = current_app.extensions.get("sqlalchemy") if has_app_context() else None
    if extension is None:
        raise WiringError(
            "no database session for the factories: call flask_dredd.install() in a hook "
            "file, or push an app context whose app uses Flask-SQLAlchemy"
        )
    return extension.session()


def load_app(source: AppSource) -> Flask:
    """The app, from `source` or the environment, resolved the way ``flask --app`` does."""
    from flask.cli import NoAppException, ScriptInfo

    if source is None:
        source = os.environ.get(APP_ENV) or os.environ.get("FLASK_APP") or None
    if source is None:
        raise WiringError(
            "no app for the hooks: run through `flask --app <module> dredd run` (it sets "
            f"{APP_ENV}), set {APP_ENV}=module:create_app(), or write install(app=...)"
        )
    if isinstance(source, str):
        try:
            app = ScriptInfo(app_import_path=source, set_debug_flag=False).load_app()
        except NoAppException as exc:
            raise WiringError(f"the hooks cannot load the app {source!r}: {exc}") from None
    else:
        app = source if isinstance(source, Flask) else source()
    if not isinstance(app, Flask):
        raise WiringError(f"install(app=...) must give a Flask app; {source!r} gave {app!r}")
    return app


def find_db(app: Flask, source: Any) -> Any:
    """The database object: `source`, ``$FLASK_DREDD_DB``, or the app's Flask-SQLAlchemy."""
    if source is None:
        source = os.environ.get(DB_ENV, "").strip() or None
    if source is None:
        found = app.extensions.get("sqlalchemy")
        if found is None:
            raise WiringError(
                f"db not found: the app {app.import_name!r} has no Flask-SQLAlchemy extension. "
                f"Say where the database is: {DB_ENV}=package.module:db (Flask-SQLAlchemy's db, "
                "or a module with engine, metadata and session), or install(db=...), or "
                "install(engine=..., metadata=..., session=...)"
            )
        return found
    return import_object(source, DB_ENV, "db") if isinstance(source, str) else source


def load_seed(source: Callable[[Any], object] | str | None) -> Callable[[Any], object] | None:
    if source is None:
        source = os.environ.get(SEED_ENV, "").strip() or None
    if isinstance(source, str):
        source = import_object(source, SEED_ENV, "seed")
    if source is not None and not callable(source):
        raise WiringError(f"the seed must be a function of the session, got {source!r}")
    return source


def import_object(spec: str, env: str, argument: str) -> Any:
    """``package.module:attribute`` (or a bare module) imported, or a message saying why not."""
    module_name, _, attribute = spec.partition(":")
    where = f"{env}={spec!r} (or install({argument}=...))"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise WiringError(f"{argument} not found: {where}: cannot import {module_name!r}: "
                          f"{exc}") from None  # fmt: skip
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        public = sorted(name for name in vars(module) if not name.startswith("_"))
        raise WiringError(
            f"{argument} not found: {where}: module {module_name!r} has no {attribute!r} "
            f"(it has: {', '.join(public[:12])})"
        ) from None


def check_same_database(url: URL) -> None:
    """The hooks must reset the database the server serves: the run's ``DATABASE_URL``."""
    expected = os.environ.get("DATABASE_URL")
    if not expected or _same_database(url, make_url(expected)):
        return
    raise WiringError(
        f"the app built for the hooks uses {url.render_as_string()}, but this run's "
        f"database is DATABASE_URL={make_url(expected).render_as_string()}: resetting "
        "one while the server serves the other cannot work. Make the app read its "
        "database URL from DATABASE_URL (the server gets it the same way)."
    )


def _same_database(one: URL, other: URL) -> bool:
    if one.get_backend_name() != other.get_backend_name():
        return False
    if one.get_backend_name() == "sqlite":
        return _sqlite_path(one) == _sqlite_path(other)
    return (one.host or "", one.port, one.database) == (other.host or "", other.port,
                                                         other.database)  # fmt: skip


def _sqlite_path(url: URL) -> str:
    path = url.database or ""
    return path if path in ("", ":memory:") else os.path.realpath(Path(path))


def restart_factory_sequences() -> None:
    """Restart factory sequences, if the project's factories use the engine's base."""
    import sys

    factories = sys.modules.get("flask_dredd.factories")  # imported only where used
    if factories is not None:
        factories.reset_sequences()
