"""contract/compile_cache.py: the same text compiles once; anything else compiles again."""

from __future__ import annotations

from pathlib import Path

from flask_dredd.contract.compile_cache import cached_compile
from flask_dredd.contract.compiler import DocumentedTransaction

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
