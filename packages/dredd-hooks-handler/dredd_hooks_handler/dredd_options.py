"""What Dredd itself was told: the two of its options the handler follows.

Dredd waits `hooks-worker-timeout` ms for each message's answer and connects to
`hooks-worker-handler-port`. Suites set both in dredd.yml or on Dredd's command line,
and dredd-hooks-python never needed to know them. So the handler reads them where Dredd
does, in Dredd's order: Dredd's own arguments first (it is our parent; on Linux
/proc/<pid>/cmdline, walking up past a wrapper shell), then the config file they name
(`--config`, default ./dredd.yml, relative to Dredd's working folder), else ./dredd.yml
in ours. A value found nowhere is None: the caller keeps its own default.

The handler runs on a bare Python, so there is no YAML parser: `top_level_number` reads
the one line `key: N` a block-style dredd.yml has for such a key (quotes and comments
allowed). Whatever it cannot read counts as not found, which keeps the handler's
defaults, the side that never fails a run the stock handler would pass.
"""

from __future__ import annotations

import os
import re
from typing import List, Optional, Tuple

TIMEOUT_KEY = "hooks-worker-timeout"
PORT_KEY = "hooks-worker-handler-port"
#: Dredd's config file when its command line names none (its options.json default).
DEFAULT_CONFIG = "./dredd.yml"
ANCESTORS = 4  # how far up to look for Dredd: a wrapper script or two, not the whole tree

# `key: value`, at column 0 (a top-level key of a block mapping), the key maybe quoted.
_KEY_LINE = re.compile(r"""^(["']?)([A-Za-z0-9_-]+)\1[ \t]*:(?:[ \t]+(.*))?$""")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?")


def top_level_number(text: str, key: str) -> Optional[float]:
    """The number a block-style YAML document gives top-level `key`, or None.

    Handles `key: 11000`, `key: "11000"`, `'key': 11000 # a comment`; the last such line
    wins. Anything else (flow mappings, anchors, `null`) is None, as if unset.
    """
    found: Optional[float] = None
    for line in text.lstrip("\ufeff").splitlines():
        match = _KEY_LINE.match(line.rstrip())
        if match is None or match[2] != key:
            continue
        found = _scalar_number(match[3] or "")
    return found


def _scalar_number(raw: str) -> Optional[float]:
    """`11000`, `"11000"` or `'11000'`, then maybe a ` # comment`; None for anything else."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        if end < 0:
            return None
        value, rest = raw[1:end], raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            return None
    else:  # a plain scalar ends where ` #` starts a comment
        value = re.split(r"[ \t]#", raw, maxsplit=1)[0].strip()
    return float(value) if _NUMBER.fullmatch(value) else None


def _cmdline(pid: int) -> List[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return [word.decode(errors="replace") for word in cmdline.read().split(b"\0")[:-1]]


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:  # "pid (comm) S ppid ..."
        return int(stat.read().rpartition(b")")[2].split()[1])


def is_dredd(argv: List[str]) -> bool:
    """Whether a command line runs Dredd: `node …/node_modules/.bin/dredd …`, `dredd …`."""
    return any(os.path.basename(word) == "dredd" for word in argv[:2])


def find_dredd(start: Optional[int] = None) -> Optional[Tuple[List[str], str]]:
    """Dredd's arguments and working folder, if Dredd is our parent or a near ancestor."""
    pid = os.getppid() if start is None else start
    try:
        for _ in range(ANCESTORS):
            if pid <= 1:
                return None
            argv = _cmdline(pid)
            if is_dredd(argv):
                return argv, os.readlink(f"/proc/{pid}/cwd")
            pid = _parent_of(pid)
    except (OSError, ValueError, IndexError):  # no /proc (not Linux), or it ended meanwhile
        pass
    return None


def argument(argv: List[str], name: str) -> Optional[str]:
    """The value of `--name V` or `--name=V` (or camelCase, as optimist takes it); the
    last one given wins, as in Dredd."""
    camel = re.sub(r"-(.)", lambda m: m[1].upper(), name)
    value = None
    for index, word in enumerate(argv):
        for spelling in (f"--{name}", f"--{camel}"):
            if word.startswith(spelling + "="):
                value = word[len(spelling) + 1 :]
            elif word == spelling and index + 1 < len(argv):
                value = argv[index + 1]
    return value


def dredd_number(key: str, dredd: Optional[Tuple[List[str], str]]) -> Tuple[Optional[float], str]:
    """Dredd's value of option `key` and where it was found (for the log); (None, "")."""
    folder = os.getcwd()
    config = DEFAULT_CONFIG
    if dredd is not None:
        argv, folder = dredd
        given = argument(argv, key)
        if given is not None:
            number = _scalar_number(given)
            return (number, f"Dredd's --{key}") if number is not None else (None, "")
        config = argument(argv, "config") or DEFAULT_CONFIG
    path = os.path.join(folder, config)
    try:
        with open(path, encoding="utf-8", errors="replace") as text:
            number = top_level_number(text.read(), key)
    except OSError:  # no config file: Dredd runs on its command line alone
        return None, ""
    return (number, f"{key} in {os.path.relpath(path)}") if number is not None else (None, "")
