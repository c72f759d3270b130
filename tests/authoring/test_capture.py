"""The capture hook `flask dredd record` reads: one line per transaction, real or not run."""

from __future__ import annotations

from pathlib import Path

from flask_dredd import hooks
from flask_dredd.capture import Capture, read_capture


def test_each_transaction_is_kept_with_its_response_or_why_it_has_none(tmp_path: Path):
    previous, hooks.registry = hooks.registry, hooks.Registry()
    try:
        capture = Capture(tmp_path / "reports" / "captured.jsonl")
        capture.install()
        for hook in hooks.registry.unnamed("before_all"):
            hook.func([])
        [keep] = [h.func for h in hooks.registry.unnamed("after_each")]
        real = {"statusCode": 200, "headers": {"set-cookie": ["a=1", "b=2"]}, "body": "{}"}
        keep({"name": "A", "real": {**real, "bodyEncoding": "utf-8"}})
        keep({"name": "B", "skip": True})
        keep({"name": "C", "fail": "before('C') hook make raised KeyError: 'id' at hooks/c.py:3"})
        keep({"name": "A", "real": {**real, "statusCode": 201}})  # the last record wins
        for hook in hooks.registry.unnamed("after_all"):
            hook.func([])
    finally:
        hooks.registry = previous
    kept = read_capture(tmp_path / "reports" / "captured.jsonl")
    assert kept["A"] == {"name": "A", "real": {**real, "statusCode": 201}}
    assert kept["B"] == {"name": "B", "not_run": "skipped"}
    assert kept["C"]["not_run"].startswith("before('C') hook make raised KeyError")
    assert read_capture(tmp_path / "missing.jsonl") == {}
