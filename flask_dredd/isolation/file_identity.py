"""Which file a SQLite connection really opened: its device and inode, not its name.

A name is not a file. A symbolic link or a hard link gives one file many names, and
the guard and the run's lock must judge the *file*: two spellings that reach one
file are the same database. SQLite reports the main database's path
(``PRAGMA database_list``) with symbolic links resolved, but a hard link keeps the name
it was opened by, so a designated-looking hard link to a protected file would pass a
judgement of names alone.

:func:`opened_file` stats the file the process has open under the reported path (Linux:
``/proc/self/fd``, whose entries lead to the open inode itself), and the path as it is
now, and refuses when the two differ (the name was moved or replaced after the driver
opened it). Elsewhere it stats the path.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

_PROC_FDS = "/proc/self/fd"


class FileChangedError(OSError):
    """The file at a path is not the file the driver opened there."""


@dataclass(frozen=True)
class FileIdentity:
    """A file itself: same (device, inode) is the same file, whatever its names."""

    device: int
    inode: int
    links: int  # hard links: names in the file system that reach these bytes

    @classmethod
    def of(cls, status: os.stat_result) -> FileIdentity:
        return cls(status.st_dev, status.st_ino, status.st_nlink)

    @property
    def key(self) -> str:
        """A file name part unique to this file while it exists: ``<device>-<inode>``."""
        return f"{self.device}-{self.inode}"

    def same_file(self, other: FileIdentity) -> bool:
        return (self.device, self.inode) == (other.device, other.inode)


def _open_descriptors(path: str) -> list[str]:
    """The /proc entries of this process's descriptors open on ``path`` (Linux only)."""
    try:
        names = os.listdir(_PROC_FDS)
    except OSError:
        return []
    found = []
    for name in names:
        entry = f"{_PROC_FDS}/{name}"
        try:
            if os.readlink(entry) == path:
                found.append(entry)
        except OSError:  # closed meanwhile (the listing's own descriptor among them)
            continue
    return found


def opened_file(path: str) -> FileIdentity:
    """The identity of the file this process opened as ``path``; raises if it changed.

    ``path`` is absolute, as SQLite reports it. Raises :class:`FileChangedError` when
    the name now leads elsewhere than an open descriptor of that name, or to no
    regular file; ``OSError`` when it is gone.
    """
    now = os.stat(path)
    if not stat.S_ISREG(now.st_mode):
        raise FileChangedError(f"{path} is not a regular file")
    identity = FileIdentity.of(now)
    for entry in _open_descriptors(path):
        try:
            opened = FileIdentity.of(os.stat(entry))
        except OSError:
            continue
        if not opened.same_file(identity):
            raise FileChangedError(
                f"{path} is not the file the driver opened under that name (it was "
                "moved or replaced meanwhile)"
            )
    return identity
