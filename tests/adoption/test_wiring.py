"""`flask_dredd.install`: each adoption mistake is named with its fix, before anything in
the database changes; and the doors for databases other than Flask-SQLAlchemy work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, text

from flask_dredd import hooks, install, wiring
from flask_dredd.isolation import (
    MigrationsNotFoundError,
    UnrestorableMigrationTableError,
    UnsupportedDatabaseError,
)

SENTINEL = "CREATE TABLE kept (id INTEGER PRIMARY KEY); INSERT INTO kept VALUES (7);"


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[hooks.Registry]:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.setattr(wiring, "_installed", None)
    for name in ("FLASK_DREDD_APP", "FLASK_APP", "FLASK_DREDD_DB", "FLASK_DREDD_SEED",
                 "FLASK_DREDD_MIGRATIONS", "FLASK_DREDD_RESET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no alembic.ini here: nothing guessed
    yield registry
    if wiring._installed is not None:  # a boot leaves its app context pushed, as in the hooks
        wiring._installed.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A designated SQLite file with one row no failed boot may touch; the run's URL."""
    path = tmp_path / "adopter_test.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        for statement in filter(str.strip, SENTINEL.split(";")):
            connection.exec_driver_sql(statement)
    engine.dispose()
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def untouched(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT id FROM kept")).scalars().all() == [7]
    finally:
        engine.dispose()


def boot(registry: hooks.Registry) -> None:
    """What the handler does on beforeAll."""
    for hook in registry.unnamed("before_all"):
        hook.func([])


def flask_sqlalchemy_app(url: str) -> tuple[Callable[[], Flask], SQLAlchemy]:
    db = SQLAlchemy()

    class Item(db.Model):  # type: ignore[name-defined]
        id = Column(Integer, primary_key=True)
        name = Column(String(20))

    def create_app() -> Flask:
        app = Flask("adopter")
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        db.init_app(app)
        return app

    return create_app, db


def test_the_hooks_say_they_were_written_at_the_install_line(own_registry: hooks.Registry):
    install(app="adopter:create_app()")
    line = sys._getframe().f_lineno - 1
    registered = [(h.kind, h.file, h.line, h.function_name) for h in own_registry]
    assert registered == [
        ("before_all", __file__, line, "prepare_database"),
        ("before_each", __file__, line, "reset_database"),
    ]


def test_no_app_names_the_ways_to_give_one(own_registry: hooks.Registry, database: str):
    install()
    with pytest.raises(wiring.WiringError, match="no app for the hooks.*FLASK_DREDD_APP"):
        boot(own_registry)
    assert not has_app_context()


def test_db_not_found_names_the_setting(own_registry: hooks.Registry, database: str):
    install(app=lambda: Flask("no_database_here"))
    with pytest.raises(wiring.WiringError) as error:
        boot(own_registry)
    message = str(error.value)
    assert message.startswith("db not found: the app 'no_database_here' has no Flask-SQLAlchemy")
    assert "FLASK_DREDD_DB=package.module:db" in message and "install(db=...)" in message
    assert untouched(database) and not has_app_context()


def test_a_db_setting_that_names_nothing(
    own_registry: hooks.Registry, database: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FLASK_DREDD_DB", "flask_dredd.wiring:dbb")
    install(app=lambda: Flask("x"))
    with pytest.raises(wiring.WiringError, match=r"db not found: FLASK_DREDD_DB='flask_dredd"
                       r".wiring:dbb' .*has no 'dbb' \(it has: "):  # fmt: skip
        boot(own_registry)
    assert untouched(database)


@pytest.mark.parametrize("kind", ["object", "dict"])
def test_an_unsupported_db_object_names_what_is_accepted(
    own_registry: hooks.Registry, database: str, kind: str
):
    db = {"object": object(), "dict": {"engine": 1}}
    install(app=lambda: Flask("x"), db=db[kind])
    with pytest.raises(UnsupportedDatabaseError) as error:
        boot(own_registry)
    message = str(error.value)
    assert "Flask-SQLAlchemy's `db`" in message and "engine=, metadata= and session=" in message
    assert "Alchemical's `db`" in message and "session=lambda: db.session" in message
    assert untouched(database)


@pytest.mark.parametrize("setting", ["flask-migrate", "migrations/alembic.ini"])
def test_no_migrations_found(own_registry: hooks.Registry, database: str, setting: str):
    create_app, db = flask_sqlalchemy_app(database)
    install(app=create_app, migrations=setting)
    with pytest.raises(MigrationsNotFoundError, match="^no migrations found: "):
        boot(own_registry)
    assert untouched(database)


def test_a_migration_table_no_stamp_restores_stops_the_run(
    own_registry: hooks.Registry, database: str
):
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    engine.dispose()
    create_app, db = flask_sqlalchemy_app(database)
    install(app=create_app, migrations="none")
    with pytest.raises(UnrestorableMigrationTableError) as error:
        boot(own_registry)
    assert "'alembic_version'" in str(error.value)
    message = str(error.value)
    assert "FLASK_DREDD_MIGRATIONS" in message and "Nothing was changed" in message
    assert untouched(database)


def test_an_app_on_another_database_than_the_run(
    own_registry: hooks.Registry, database: str, tmp_path: Path
):
    create_app, db = flask_sqlalchemy_app(f"sqlite:///{tmp_path / 'other_test.db'}")
    install(app=create_app)
    with pytest.raises(wiring.WiringError, match="Make the app read its database URL from"):
        boot(own_registry)
    assert untouched(database) and not (tmp_path / "other_test.db").exists()


def alchemical_app(url: str, flask: bool = True) -> tuple[Callable[[], Flask], Any]:
    """An app on the real Alchemical (its Flask extension, or the plain one) with two tables,
    its `db` also importable as ``adopter_alchemical:db``, as a project's own module."""
    import alchemical
    import alchemical.flask
    from sqlalchemy.orm import DeclarativeBase

    class Base(DeclarativeBase):  # each test's own registry of models
        pass

    db: Any = (alchemical.flask.Alchemical(model_class=Base) if flask
               else alchemical.Alchemical(url, model_class=Base))  # fmt: skip

    class Tag(db.Model):  # type: ignore[name-defined]
        id = Column(Integer, primary_key=True)

    class Label(db.Model):  # type: ignore[name-defined]
        id = Column(Integer, primary_key=True)
        tag_id = Column(ForeignKey("tag.id"))

    def create_app() -> Flask:
        app = Flask("adopter_alchemical")
        app.config["ALCHEMICAL_DATABASE_URL"] = url
        if flask:
            db.init_app(app)
        return app

    module = type(sys)("adopter_alchemical")
    module.db = db  # type: ignore[attr-defined]
    sys.modules["adopter_alchemical"] = module
    return create_app, db


def reset_empties_and_rebuilds(registry: hooks.Registry, engine: Any) -> None:
    """A row written through the hooks' session is gone after a reset; the schema is the
    models' (prepared: rebuilt, the sentinel table dropped)."""
    session = wiring.current_session()
    session.execute(text("INSERT INTO tag (id) VALUES (1)"))
    session.commit()
    for hook in registry.unnamed("before_each"):
        hook.func({})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tag")).scalar() == 0
        tables = set(connection.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert {"tag", "label"} <= tables and "kept" not in tables


@pytest.mark.parametrize("given", ["db object", "db import path", "plain Alchemical"])
def test_alchemical_db_as_written(own_registry: hooks.Registry, database: str, given: str):
    """`install(db=db)` with the real Alchemical: its session is read only in the app context
    the hooks push (reading `db.session` at install time fails outside one)."""
    create_app, db = alchemical_app(database, flask=given != "plain Alchemical")
    source = "adopter_alchemical:db" if given == "db import path" else db
    install(app=create_app, migrations="none", db=source)
    boot(own_registry)
    if given != "plain Alchemical":
        assert wiring.current_session() is db.session  # the app's own session, not a copy
    reset_empties_and_rebuilds(own_registry, db.get_engine())
    db.get_engine().dispose()


def test_a_session_function_for_a_wrapper_whose_session_needs_the_app_context(
    own_registry: hooks.Registry, database: str
):
    create_app, db = alchemical_app(database)
    install(app=create_app, migrations="none", engine=db.get_engine,
            metadata=db.Model.metadata, session=lambda: db.session)  # fmt: skip
    boot(own_registry)
    assert wiring.current_session() is db.session
    reset_empties_and_rebuilds(own_registry, db.get_engine())
    db.get_engine().dispose()


def test_a_session_function_that_returns_no_session_is_named(
    own_registry: hooks.Registry, database: str
):
    create_app, db = alchemical_app(database)
    install(app=create_app, migrations="none", engine=db.get_engine,
            metadata=db.Model.metadata, session=lambda: db)  # fmt: skip
    with pytest.raises(UnsupportedDatabaseError, match="returned .*not an SQLAlchemy Session"):
        boot(own_registry)
        wiring.current_session()
    db.get_engine().dispose()


def test_a_hook_file_imported_twice_registers_its_wiring_once(own_registry: hooks.Registry):
    installed = []
    for _ in range(2):  # one line, run twice: what a second import of the hook file does
        installed.append(install(app="adopter:create_app()"))
    assert [hook.kind for hook in own_registry] == ["before_all", "before_each"]
    assert installed[0] is installed[1] is wiring._installed  # the one the hooks boot
