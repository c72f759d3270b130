"""contract/compile_cache.py: the same text compiles once; anything else compiles again."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_dredd.contract.compile_cache import cached_compile
from flask_dredd.contract.compiler import DocumentedTransaction

ROOT = Path(__file__).resolve().parents[2]

ONE = DocumentedTransaction("A > B > C", "GET (200) /b", "GET", 200, "/b", "/b", "{}",
                            (("Content-Type", "application/json"),))  # fmt: skip


def test_a_text_compiles_once_and_its_transactions_come_back_equal(tmp_path: Path):
    calls: list[str] = []

    def compile_() -> list[DocumentedTransaction]:
        calls.append("compiled")
        return [ONE]

    assert cached_compile("FORMAT: 1A\n", tmp_path, compile_) == [ONE]
    assert cached_compile("FORMAT: 1A\n", tmp_path, compile_) == [ONE]
    assert calls == ["compiled"]
    assert cached_compile("FORMAT: 1A\n# Other\n", tmp_path, compile_) == [ONE]
    assert calls == ["compiled", "compiled"]


def test_another_dredd_or_an_edited_source_is_not_served_from_the_cache(tmp_path: Path):
    calls: list[int] = []

    def compile_() -> list[DocumentedTransaction]:
        calls.append(1)
        return [ONE]

    (tmp_path / ".package-lock.json").write_text('{"dredd": "14.1.0"}')
    cached_compile("x", tmp_path, compile_)
    (tmp_path / ".package-lock.json").write_text('{"dredd": "14.2.0"}')
    cached_compile("x", tmp_path, compile_)
    assert len(calls) == 2
    source = tmp_path / "apiary.apib"
    source.write_text("edited while it compiled")
    cached_compile("y", tmp_path, compile_, source)
    cached_compile("y", tmp_path, compile_, source)
    assert len(calls) == 4  # never kept: the file no longer held the text compiled


def test_an_unreadable_entry_is_compiled_again(tmp_path: Path):
    cached_compile("z", tmp_path, lambda: [ONE])
    for entry in (tmp_path / ".cache" / "flask-dredd").glob("compiled-*.json"):
        entry.write_text("{torn")
    assert cached_compile("z", tmp_path, lambda: []) == []


def test_a_compile_over_its_limit_is_a_contract_error_not_a_traceback(monkeypatch):
    """The limit grows with the blueprint (a fixed 120 s ended a loaded machine's compile
    of 3,000 transactions in a TimeoutExpired traceback, exit 1)."""
    from flask_dredd.contract import compiler
    from flask_dredd.errors import ContractError

    assert compiler.compile_limit(380 * 1024) > compiler.compile_limit(64 * 1024) >= 120
    monkeypatch.setattr(compiler, "COMPILE_BASE", 0.01)
    monkeypatch.setattr(compiler, "COMPILE_PER_KB", 0.0)
    with pytest.raises(ContractError, match=r"did not finish .*apiary.apib within 0 s"):
        compiler.documented_transactions(ROOT / "apiary.apib", ROOT / "node_modules")
