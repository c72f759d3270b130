"""SQLite shard copies: created, never written through a link; removed only if ours.

A shard's copy of the prepared SQLite file sits beside it under a designated name
(`…_shardK_contract.db`). Anything may already sit at that name: a symbolic link or a
hard link to a protected file, someone's file, or a copy a killed run left. So a copy is

- *created*: `O_CREAT|O_EXCL|O_NOFOLLOW` in the template's real folder (the guard's
  connection reported it, symbolic links resolved) after its name and real path are
  judged designated; nothing existing is ever opened for writing. The bytes come from
  the template's file, opened without following a link and checked to be the file the
  run locked (same device and inode);
- *registered* (:class:`CopyRegistry`): its path, device and inode in
  `.flask-dredd-<template's device>-<inode>.shards.json` beside the template, written
  before the copy is handed to a shard;
- *removed* (:func:`remove_copy`) only when its registered name is one of the
  template's copies' names (checked by the caller; the registry must be this user's
  file of one link) and the file at that name, looked at without
  following a link, is still that registered file and its own lock is free (no run uses
  it); then its SQLite side files (`-wal`, `-shm`, `-journal`: regular files of one
  link, which SQLite made for it) go first and the copy last, so a removal cut short
  leaves a copy that is still provably ours.

Every caller holds the template's lock, so the registering run is this one or is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from flask_dredd.errors import FlaskDreddError
from flask_dredd.isolation.file_identity import FileIdentity
from flask_dredd.isolation.guard import designated_name
from flask_dredd.run.locks import FileLock, LockError, RunIdentity, sqlite_lock_path

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC


class CopyError(FlaskDreddError, RuntimeError):
    """A shard's copy cannot be made or removed safely; the message names the file."""


def _not_ours(path: Path, what: str) -> CopyError:
    return CopyError(
        f"{path} is {what}, not a shard copy this tool made: a parallel run never writes "
        "through it nor removes it. Nothing was written. Move it away (check first that "
        "it is no database you need), then run again"
    )


class CopyRegistry:
    """The shard copies made from one template file, kept beside it as JSON."""

    def __init__(self, template: Path, file: FileIdentity) -> None:
        self.path = template.parent / f".flask-dredd-{file.key}.shards.json"

    def entries(self) -> list[dict[str, Any]]:
        try:
            fd = os.open(self.path, _READ_FLAGS)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _not_ours(self.path, f"unreadable ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            if status.st_uid != os.geteuid() or status.st_nlink != 1:
                raise _not_ours(self.path, "owned by another user, or hard-linked")
            try:
                data = json.loads(handle.read(1 << 20) or b"[]")
            except ValueError:
                return []  # cut short by a kill: registers nothing provable
        return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Replace the registry (a new file renamed over it: never through a link)."""
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, _CREATE_FLAGS, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle)
        os.replace(temporary, self.path)

    def add(self, path: Path, file: FileIdentity) -> None:
        entry = {"path": str(path), "device": file.device, "inode": file.inode}
        self.write([*(e for e in self.entries() if e.get("path") != str(path)), entry])

    def forget(self, path: Path) -> None:
        self.write([e for e in self.entries() if e.get("path") != str(path)])


def create_copy(template: Path, file: FileIdentity, target: Path) -> FileIdentity:
    """Create ``target`` holding ``template``'s bytes; the new file's identity."""
    folder = target.parent
    if os.path.realpath(folder) != str(folder) or not designated_name(target.stem):
        raise CopyError(f"refusing to copy the database to {target}: not a designated real path")
    for side in (target.with_name(target.name + s) for s in SIDE_SUFFIXES):
        if os.path.lexists(side):
            raise _not_ours(side, "already there")
    source = os.open(template, _READ_FLAGS)
    try:
        if not FileIdentity.of(os.fstat(source)).same_file(file):
            raise CopyError(
                f"{template} is no longer the file this run locked (it was replaced): "
                "nothing was copied; run again"
            )
        try:
            copy = os.open(target, _CREATE_FLAGS, 0o644)
        except FileExistsError:
            raise _not_ours(target, _describe(target)) from None
        try:
            while os.sendfile(copy, source, None, 1 << 24):
                pass
            return FileIdentity.of(os.fstat(copy))
        finally:
            os.close(copy)
    finally:
        os.close(source)


def _describe(path: Path) -> str:
    try:
        status = path.lstat()
    except FileNotFoundError:
        return "gone"
    if stat.S_ISLNK(status.st_mode):
        return f"a symbolic link to {os.readlink(path)}"
    if not stat.S_ISREG(status.st_mode):
        return "no regular file"
    return "a file this run did not register" + (
        f" ({status.st_nlink} hard links)" if status.st_nlink > 1 else ""
    )


def remove_copy(entry: dict[str, Any], identity: RunIdentity) -> None:
    """Remove the registered copy ``entry`` if it is still ours and unused; else raise."""
    path = Path(str(entry.get("path", "")))
    try:
        status = path.lstat()
    except FileNotFoundError:
        return  # already removed (its side files went first)
    registered = (entry.get("device"), entry.get("inode"))
    if not stat.S_ISREG(status.st_mode) or (status.st_dev, status.st_ino) != registered:
        raise _not_ours(path, _describe(path))

    def in_use(holder: RunIdentity | None) -> str:
        who = holder.describe() if holder else "one that does not name itself yet"
        return f"the shard copy {path} is in use by a run: {who}. Wait for it, or stop it"

    lock = FileLock(sqlite_lock_path(path, FileIdentity.of(status)))
    try:
        lock.acquire(identity, in_use)
    except LockError as exc:
        raise CopyError(str(exc)) from None
    try:
        for side in (path.with_name(path.name + s) for s in SIDE_SUFFIXES):
            with contextlib.suppress(FileNotFoundError):
                side_status = side.lstat()
                if stat.S_ISREG(side_status.st_mode) and side_status.st_nlink == 1:
                    side.unlink()
        path.unlink()
    finally:
        lock.release()  # unlinks the copy's lock file too
