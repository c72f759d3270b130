"""The databases of a parallel run's shards: copies of the prepared one, still designated.

`flask dredd run --parallel N` gives every shard a database of its own, derived from the
configured one, so shards never reset each other's rows. The name keeps the designation
(contract testing only): `_shardK` goes before the `_contract` / `_test` suffix
(`eventapi_contract` → `eventapi_shard1_contract`; a name designated only by
FLASK_DREDD_ALLOW_DATABASE gets `_shardK_contract` appended).

- PostgreSQL: `CREATE DATABASE … TEMPLATE <prepared>`, a file-level copy of the
  migrated database (PostgreSQL refuses it while any other session is connected to the
  template: then the error names it). A copy left by an earlier parallel run is dropped
  first (refused if a run still uses it).
- SQLite: a file copy beside the prepared file.

`drop()` removes the copies when the run ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from flask_dredd.errors import FlaskDreddError
from flask_dredd.run.database import _psycopg2_params

_DESIGNATED = re.compile(r"^(.*?)(_contract|_test)$")


class ShardDatabaseError(FlaskDreddError, RuntimeError):
    """A shard's database could not be made; the message says why and what to do."""


def shard_name(name: str, index: int) -> str:
    """`eventapi_contract` → `eventapi_shard1_contract`, still designated."""
    match = _DESIGNATED.match(name)
    if match is None:
        return f"{name}_shard{index}_contract"
    return f"{match.group(1)}_shard{index}{match.group(2)}"


@dataclass
class ShardDatabases:
    """Copies of ``template`` (the prepared, migrated database), one per shard."""

    template: URL
    urls: list[URL] = field(default_factory=list)

    def create(self, count: int) -> list[str]:
        """Make ``count`` copies; their URLs, passwords included (for the shards' runs)."""
        if self.template.get_backend_name() == "sqlite":
            self._copy_files(count)
        else:
            self._copy_postgres(count)
        return [url.render_as_string(hide_password=False) for url in self.urls]

    def _copy_files(self, count: int) -> None:
        source = Path(self.template.database or "")
        for index in range(1, count + 1):
            target = source.with_name(shard_name(source.stem, index) + source.suffix)
            for leftover in (
                target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal")
            ):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(source, target)
            self.urls.append(self.template.set(database=str(target)))

    def _copy_postgres(self, count: int) -> None:
        import psycopg2
        from psycopg2 import sql

        template = self.template.database or ""
        conn = psycopg2.connect(**_psycopg2_params(self.template, dbname="postgres"))
        conn.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
        try:
            with conn.cursor() as cur:
                for index in range(1, count + 1):
                    name = shard_name(template, index)
                    try:
                        cur.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
                        )
                        cur.execute(
                            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                                sql.Identifier(name), sql.Identifier(template)
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
                    self.urls.append(self.template.set(database=name))
        finally:
            conn.close()

    def drop(self) -> list[str]:
        """Remove every copy; what could not be removed, as notes."""
        notes = []
        if self.template.get_backend_name() == "sqlite":
            for url in self.urls:
                for suffix in ("", ".lock", "-wal", "-shm", "-journal"):
                    Path((url.database or "") + suffix).unlink(missing_ok=True)
        elif self.urls:
            import psycopg2
            from psycopg2 import sql

            conn = psycopg2.connect(**_psycopg2_params(self.template, dbname="postgres"))
            conn.autocommit = True
            with contextlib.closing(conn), conn.cursor() as cur:
                for url in self.urls:
                    try:
                        cur.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {}").format(
                                sql.Identifier(url.database)
                            )
                        )
                    except psycopg2.Error as exc:
                        notes.append(f"could not drop {url.database}: {str(exc).strip()}")
        self.urls = []
        return notes
