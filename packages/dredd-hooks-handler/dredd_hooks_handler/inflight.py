"""The in-flight file: what the handler is doing right now, for whoever outlives it.

With ``FLASK_DREDD_INFLIGHT_FILE`` set, the handler overwrites that file when it starts
handling a message and before each hook it calls (one write when a hook follows the
message's start at once), with one JSON object:

    {"transaction": "<name>" | null, "event": "beforeEach",
     "hook": "hooks/x.py:12 fn" | null, "started": <unix time>}

so a runner can name what was in flight when the handler died or the run stalled. One
pwrite at offset 0, no fsync: a few microseconds. Each write is padded with spaces to
the longest one so far, so the file never holds the tail of an earlier object (JSON
allows trailing whitespace).
"""

from __future__ import annotations

import os
import time
from json.encoder import encode_basestring
from typing import Dict, Optional, Tuple

from dredd_hooks_handler.failures import hook_site
from dredd_hooks_handler.hooks import Hook

INFLIGHT_ENV = "FLASK_DREDD_INFLIGHT_FILE"
HAS_PWRITE = hasattr(os, "pwrite")


class InflightFile:
    """Writes the in-flight object; the transaction and event last given are kept."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self._size = 0  # the longest write so far, padded to
        self._head = b""  # '{"transaction":…,"event":…,' of the current message
        self._heads: Dict[Tuple[str, Optional[str]], bytes] = {}  # encoded once each
        self._hooks: Dict[Hook, bytes] = {}  # each hook's '"hook":"…",' encoded once

    @classmethod
    def from_environment(cls) -> Optional[InflightFile]:
        """The file $FLASK_DREDD_INFLIGHT_FILE names, or None when it is unset."""
        path = os.environ.get(INFLIGHT_ENV)
        return cls(path) if path else None

    def message(self, event: str, name: object, write: bool = True) -> None:
        """A message starts: which transaction (None for the *All events) and event.

        `write=False` when a hook follows at once: its own write names the message too,
        microseconds later, and one pwrite is saved.
        """
        key = (event, name if isinstance(name, str) else None)
        head = self._heads.get(key)
        if head is None:
            transaction = "null" if key[1] is None else encode_basestring(key[1])
            head = f'{{"transaction":{transaction},"event":"{event}",'.encode()
            self._heads[key] = head
        self._head = head
        if write:
            self._write(b'"hook":null,')

    def hook(self, hook: Hook) -> None:
        """A hook of the current message is about to be called."""
        site = self._hooks.get(hook)
        if site is None:
            site = self._hooks[hook] = f'"hook":{encode_basestring(hook_site(hook))},'.encode()
        self._write(site)

    def _write(self, hook: bytes) -> None:
        data = b"%s%s\"started\":%.6f}" % (self._head, hook, time.time())
        if len(data) < self._size:
            data = data.ljust(self._size)
        else:
            self._size = len(data)
        try:
            if HAS_PWRITE:
                os.pwrite(self._fd, data, 0)
            else:  # Windows
                os.lseek(self._fd, 0, os.SEEK_SET)
                os.write(self._fd, data)
        except OSError:  # a full disk must not fail the run; the runner loses a detail
            pass
