"""Compiled blueprints kept between runs: Dredd's compiler takes seconds on a big contract.

Compiling a blueprint (`compiler.documented_transactions`: Node.js and Dredd's own
compiler) costs 2 s for the reference contract and 8 s or more for a 370-transaction
one on a busy machine, and every run (each `--shard` of a CI matrix, each `--parallel`
parent, each run of an edit loop) compiles the same text again. The result depends only
on the blueprint's text, our `compiler.js` and the installed Dredd, so it is kept under
`node_modules/.cache/flask-dredd/`, keyed by the sha256 of all three (the installed
packages by npm's `node_modules/.package-lock.json`, or Dredd's package.json).

Dredd compiles the run's effective copy again in its own process (drafter.js: about 7 s
of CPU of the 9 Dredd spends on the reference contract). `dredd_node_options` preloads
`dredd_compile_cache.js` into Dredd's Node.js, which keeps that compile the same way,
in the same folder (see that file).

Only a successful compile is kept (a blueprint with errors is compiled, and refused,
every time). An entry that cannot be read or written is ignored: the cache can make a
run faster, never wrong or failing. Entries are written to a temporary file and renamed,
so runs side by side never read half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from flask_dredd.contract.compiler import SCRIPT, DocumentedTransaction
from flask_dredd.sources import SourceDecodeError, read_source

CACHE_FOLDER = Path(".cache") / "flask-dredd"
#: The setting that turns both caches off (`0`), e.g. to rule one out while debugging.
ENABLED_ENV = "FLASK_DREDD_COMPILE_CACHE"
DREDD_PRELOAD = Path(__file__).with_name("dredd_compile_cache.js")


def cache_key(text: str, node_modules: Path) -> str:
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update(SCRIPT.read_bytes())
    for installed in (node_modules / ".package-lock.json", node_modules / "dredd" / "package.json"):
        if installed.exists():
            digest.update(installed.read_bytes())
            break
    return digest.hexdigest()


def cached_compile(
    text: str,
    node_modules: Path,
    compile_: Callable[[], list[DocumentedTransaction]],
    source: Path | None = None,
) -> list[DocumentedTransaction]:
    """``compile_()``'s transactions for ``text``, from the cache when it has them.

    ``source``: the file ``compile_`` reads; if it no longer holds ``text`` afterwards
    (edited meanwhile), the result is not kept.
    """
    if not enabled():
        return compile_()
    entry = node_modules / CACHE_FOLDER / f"compiled-{cache_key(text, node_modules)}.json"
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        return [
            DocumentedTransaction(**{
                **t,
                "headers": tuple(tuple(h) for h in t["headers"]),
                "request_headers": tuple(tuple(h) for h in t.get("request_headers", ())),
            })  # fmt: skip
            for t in json.loads(entry.read_text(encoding="utf-8"))
        ]
    compiled = compile_()
    with contextlib.suppress(OSError, SourceDecodeError):
        if source is None or read_source(source, "blueprint") == text:
            _store(entry, compiled)
    return compiled


def _store(entry: Path, compiled: list[DocumentedTransaction]) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=entry.parent, prefix=".compiled-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump([asdict(t) for t in compiled], out)
    os.replace(partial, entry)


def enabled() -> bool:
    return os.environ.get(ENABLED_ENV, "1").strip().lower() not in ("0", "off", "false")


def dredd_node_options(node_options: str | None) -> str | None:
    """``NODE_OPTIONS`` for Dredd's process: the caller's, plus the compile cache preload."""
    if not enabled():
        return node_options
    preload = f'--require "{DREDD_PRELOAD}"'
    return f"{node_options} {preload}" if node_options else preload
