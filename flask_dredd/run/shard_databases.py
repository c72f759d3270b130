"""The databases of a parallel run's shards: copies of the prepared one, still designated.

`flask dredd run --parallel N` gives every shard a database of its own, derived from the
configured one, so shards never reset each other's rows. The name keeps the designation
(contract testing only): `_shardK` goes before the `_contract` / `_test` suffix
(`eventapi_contract` → `eventapi_shard1_contract`; a name designated only by
FLASK_DREDD_ALLOW_DATABASE gets `_shardK_contract` appended).

- PostgreSQL: `CREATE DATABASE … TEMPLATE <prepared>`, a file-level copy of the
  migrated database (PostgreSQL refuses it while any other session is connected to the
  template: then the error names it), marked as ours with a comment
  (:data:`COPY_COMMENT`). A copy left by an earlier parallel run is dropped first, only
  if it carries that mark (refused if a run still uses it); a database of that name
  without it is someone else's, and the run stops naming it.
- SQLite: a file *created* beside the prepared file (`O_CREAT|O_EXCL|O_NOFOLLOW`: never
  written through a link or over a file sitting at its name), in the folder the guard's
  connection reported (symbolic links resolved), after the target's name is judged
  designated; the bytes come from the template's file as locked (same device and inode).
  Each copy is registered, with its device and inode, in `.flask-dredd-<template's
  device>-<inode>.shards.json` beside it before it is used. A copy a killed run left is
  removed by the next parallel run on that template (which holds the template's lock, so
  the registering run is gone) only when the file at its name is still that registered
  file (lstat: no link followed) and its own lock is free; anything else at a copy's
  name, or its `-wal`/`-shm`/`-journal`, stops the run naming it.

The caller holds the template's lock (PostgreSQL: the copies' lock) while copies are
made and dropped. `drop()` removes the copies when the run ends, whatever happened,
and never anything it did not create.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from flask_dredd.errors import FlaskDreddError
from flask_dredd.isolation.actual import OpenedDatabase
from flask_dredd.run.database import NAMING_PARAMETERS, _psycopg2_params
from flask_dredd.run.locks import RunIdentity
from flask_dredd.run.sqlite_copies import CopyError, CopyRegistry, create_copy, remove_copy

_DESIGNATED = re.compile(r"^(.*?)(_contract|_test)$")
#: What marks a PostgreSQL database as a shard copy this tool made (COMMENT ON DATABASE).
COPY_COMMENT = "flask-dredd shard copy of {template}"


class ShardDatabaseError(FlaskDreddError, RuntimeError):
    """A shard's database could not be made; the message says why and what to do."""


def shard_name(name: str, index: int) -> str:
    """`eventapi_contract` → `eventapi_shard1_contract`, still designated."""
    match = _DESIGNATED.match(name)
    if match is None:
        return f"{name}_shard{index}_contract"
    return f"{match.group(1)}_shard{index}{match.group(2)}"


def is_copy_name(template: Path, path: Path) -> bool:
    """``path`` is shard K's copy of the SQLite file ``template``, for some K."""
    if path.parent != template.parent:
        return False
    return any(
        path.name == shard_name(template.stem, int(index)) + template.suffix
        for index in re.findall(r"_shard([1-9][0-9]{0,5})", path.name)
    )


@dataclass
class ShardDatabases:
    """Copies of ``template`` (the prepared, migrated database), one per shard.

    ``opened`` is the template as its guard's connection reported it and the run
    locked it (SQLite: its real path, device and inode).
    """

    template: URL
    opened: OpenedDatabase
    identity: RunIdentity
    urls: list[URL] = field(default_factory=list)

    def create(self, count: int) -> list[str]:
        """Make ``count`` copies; their URLs, passwords included (for the shards' runs)."""
        try:
            if self.opened.backend == "sqlite":
                self._copy_files(count)
            else:
                self._copy_postgres(count)
        except CopyError as exc:
            raise ShardDatabaseError(str(exc)) from None
        return [url.render_as_string(hide_password=False) for url in self.urls]

    def _registry(self) -> tuple[Path, CopyRegistry]:
        assert self.opened.file is not None
        template = Path(self.opened.name)
        return template, CopyRegistry(template, self.opened.file)

    def remove_leftovers(self) -> None:
        """SQLite: remove the copies a killed run on this template left (only ours)."""
        if self.opened.backend != "sqlite":
            return
        template, registry = self._registry()
        for entry in registry.entries():
            path = Path(str(entry.get("path", "")))
            if not is_copy_name(template, path):
                # Never a registered name that is not one of this template's copies'.
                raise ShardDatabaseError(
                    f"{registry.path} lists {path}, which is no shard copy name of "
                    f"{template}: it was not written by flask-dredd. Nothing was removed. "
                    "Delete that list (the copies it names are yours to check), then run again"
                )
            remove_copy(entry, self.identity)
            registry.forget(path)

    def _copy_files(self, count: int) -> None:
        template, registry = self._registry()
        assert self.opened.file is not None
        self.remove_leftovers()
        for index in range(1, count + 1):
            target = template.with_name(shard_name(template.stem, index) + template.suffix)
            copied = create_copy(template, self.opened.file, target)
            registry.add(target, copied)
            self.urls.append(self.template.set(database=str(target), query={}))

    def _copy_postgres(self, count: int) -> None:
        import psycopg2
        from psycopg2 import sql

        template = self.opened.name
        conn = psycopg2.connect(**_psycopg2_params(self.template, dbname="postgres"))
        conn.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
        mark = COPY_COMMENT.format(template=template)
        try:
            with conn.cursor() as cur:
                for index in range(1, count + 1):
                    name = shard_name(template, index)
                    _refuse_unless_ours(cur, name, mark)
                    try:
                        cur.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                        )
                        cur.execute(
                            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                                sql.Identifier(name), sql.Identifier(template)
                            )
                        )
                        cur.execute(
                            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                                sql.Identifier(name), sql.Literal(mark)
                            )
                        )
                    except psycopg2.Error as exc:
                        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                        raise ShardDatabaseError(
                            f"cannot make the shard database {name} from {template}: {reason}. "
                            f"PostgreSQL copies a database only while no other session is "
                            f"connected to {template} (and drops {name} only when none is "
                            "connected to it): stop the run or client using it, then run again"
                        ) from None
                    # The copy by its name alone: no query parameter may send a shard back
                    # to the template (?dbname=, ?service=, …).
                    query = {
                        k: v for k, v in self.template.query.items()
                        if k.lower() not in NAMING_PARAMETERS
                    }  # fmt: skip
                    self.urls.append(self.template.set(database=name, query=query))
        finally:
            conn.close()

    def drop(self) -> list[str]:
        """Remove every copy this run made; what could not be removed, as notes."""
        notes = []
        if self.opened.backend == "sqlite":
            _, registry = self._registry()
            for entry in registry.entries():
                if entry.get("path") not in {u.database for u in self.urls}:
                    continue  # not this run's (kept for the next run's clean-up)
                try:
                    remove_copy(entry, self.identity)
                    registry.forget(Path(str(entry["path"])))
                except CopyError as exc:
                    notes.append(f"kept {entry['path']}: {exc}")
        elif self.urls:
            import psycopg2
            from psycopg2 import sql

            conn = psycopg2.connect(**_psycopg2_params(self.template, dbname="postgres"))
            conn.autocommit = True
            mark = COPY_COMMENT.format(template=self.opened.name)
            with contextlib.closing(conn), conn.cursor() as cur:
                for url in self.urls:
                    try:
                        _refuse_unless_ours(cur, url.database or "", mark)
                        cur.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {}").format(
                                sql.Identifier(url.database)
                            )
                        )
                    except (psycopg2.Error, ShardDatabaseError) as exc:
                        notes.append(f"could not drop {url.database}: {str(exc).strip()}")
        self.urls = []
        return notes


def _refuse_unless_ours(cur: Any, name: str, mark: str) -> None:
    """Raise unless database ``name`` is missing or carries this tool's copy mark."""
    cur.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (name,),
    )
    row = cur.fetchone()
    if row is not None and row[0] != mark:
        raise ShardDatabaseError(
            f"the database {name} exists and is not a shard copy this tool made (no "
            f"{mark!r} comment): a parallel run never drops it. Nothing was written. Drop or "
            "rename it yourself (check first that it holds nothing you need), then run again"
        )
