"""Dredd 14.1.0's npm lock entries, for the package-lock.json `flask dredd init` writes.

The entries are this repository's own (its package-lock.json, which `npm ci` installs
and the tests use), pruned to what `dredd` needs: so a new project installs exactly the
Dredd the engine is tested with, offline from npm's cache and without resolving
anything. `python -m flask_dredd.authoring.lockfile package-lock.json` regenerates the
shipped copy (`templates/package-lock.json`); a test keeps the two in step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SHIPPED = Path(__file__).with_name("templates") / "package-lock.json"
DREDD = "dredd"
VERSION = "14.1.0"


def dredd_lock(lock: dict[str, Any], name: str = "contract") -> dict[str, Any]:
    """`lock` (lockfileVersion 3) reduced to Dredd and what it depends on, under `name`."""
    packages: dict[str, Any] = lock["packages"]
    keep: set[str] = set()
    todo = [f"node_modules/{DREDD}"]
    while todo:
        path = todo.pop()
        if path in keep:
            continue
        keep.add(path)
        entry = packages[path]
        wanted = {**entry.get("dependencies", {}), **entry.get("optionalDependencies", {})}
        for dependency in wanted:
            found = resolve(packages, path, dependency)
            if found is not None:
                todo.append(found)
    root = {"name": name, "devDependencies": {DREDD: VERSION}}
    kept = {path: packages[path] for path in sorted(keep)}
    return {"name": name, "lockfileVersion": 3, "requires": True,
            "packages": {"": root, **kept}}  # fmt: skip


def resolve(packages: dict[str, Any], where: str, name: str) -> str | None:
    """Node's lookup: `where/node_modules/name`, then each parent's, then the top level."""
    base = where
    while True:
        candidate = f"{base}/node_modules/{name}"
        if candidate in packages:
            return candidate
        if "/node_modules/" not in base:
            top = f"node_modules/{name}"
            return top if top in packages else None
        base = base.rsplit("/node_modules/", 1)[0]


def shipped_lock(name: str) -> str:
    """The shipped lock, named for the project, as package-lock.json's text."""
    lock = json.loads(SHIPPED.read_text(encoding="utf-8"))
    lock["name"] = lock["packages"][""]["name"] = name
    return json.dumps(lock, indent=2) + "\n"


if __name__ == "__main__":
    source = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    SHIPPED.write_text(json.dumps(dredd_lock(source), indent=2) + "\n", encoding="utf-8")
