"""contract/dredd_compile_cache.js: Dredd itself serves a contract it compiled before.

Real Dredd (node_modules) lists the transactions of a small description with `--names`,
with the preload the runner gives it (`dredd_node_options`). Each test's description is
unique, so its cache entry is new, and it is removed afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_dredd.contract.compile_cache import CACHE_FOLDER, dredd_node_options

ROOT = Path(__file__).resolve().parents[2]
DREDD = ROOT / "node_modules" / ".bin" / "dredd"
CACHE = ROOT / "node_modules" / CACHE_FOLDER


def description(title: str, uri: str = "/things", parameters: str = "") -> str:
    return (
        f"FORMAT: 1A\n# {title}\n## Things [{uri}]\n{parameters}### List [GET]\n"
        '+ Response 200 (application/json)\n\n        {"a": 1}\n'
    )


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    assert DREDD.exists(), "Dredd is missing: `make test` runs `npm ci` first"
    before = set(CACHE.glob("dredd-*.json"))
    yield tmp_path
    for entry in set(CACHE.glob("dredd-*.json")) - before:
        entry.unlink()


def dredd_names(folder: Path, apib: str, cached: bool = True) -> subprocess.CompletedProcess[str]:
    (folder / "contract.apib").write_text(apib)
    env = dict(os.environ)
    env.pop("NODE_OPTIONS", None)
    env.pop("FLASK_DREDD_COMPILE_CACHE", None)
    options = dredd_node_options(None)
    if cached:
        assert options, "the compile cache is on by default"
        env["NODE_OPTIONS"] = options
    return subprocess.run(
        [str(DREDD), "contract.apib", "http://127.0.0.1:9", "--names"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def new_entries(before: set[Path]) -> list[Path]:
    return sorted(set(CACHE.glob("dredd-*.json")) - before)


def test_a_compiled_description_is_served_from_the_cache_the_next_time(folder: Path):
    apib = description(f"Cache {uuid.uuid4().hex}")
    before = set(CACHE.glob("dredd-*.json"))
    first = dredd_names(folder, apib)
    assert first.returncode == 0, first.stderr
    assert "Things > List" in first.stdout + first.stderr
    (entry,) = new_entries(before)
    # What the next run gets is the entry, not a new parse: edit it and Dredd says so.
    stored = json.loads(entry.read_text())
    stored["compiled"]["transactions"][0]["name"] = "Things > Served From The Cache"
    entry.write_text(json.dumps(stored))
    second = dredd_names(folder, apib)
    assert second.returncode == 0, second.stderr
    assert "Things > Served From The Cache" in second.stdout + second.stderr


def test_the_cached_compile_is_what_dredd_compiles_itself(folder: Path):
    apib = description(f"Same {uuid.uuid4().hex}")
    uncached = dredd_names(folder, apib, False)
    dredd_names(folder, apib)  # fills the entry
    served = dredd_names(folder, apib)
    strip = lambda out: [line for line in out.splitlines() if "Warning" not in line  # noqa: E731
                         and "trace-warnings" not in line and "took" not in line]  # fmt: skip
    assert strip(served.stdout + served.stderr) == strip(uncached.stdout + uncached.stderr)


def test_a_description_with_errors_is_never_kept(folder: Path):
    # No example value for a required URI parameter: Dredd's compiler reports an error.
    required = "+ Parameters\n    + id (required, number)\n\n"
    apib = description(f"Broken {uuid.uuid4().hex}", "/things/{id}", required)
    before = set(CACHE.glob("dredd-*.json"))
    done = dredd_names(folder, apib)
    assert done.returncode != 0
    assert "Required URI parameter 'id'" in done.stdout + done.stderr
    assert new_entries(before) == []
