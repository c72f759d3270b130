"""The contract: the .apib as Dredd compiles it, and what is derived from it.

Owns compiling (`compiler`, Dredd's own compiler, the only one; `compile_cache`), the
document's text (`apib_text`, `example_writer`, `json_layout`, `reorder`), what the
document says about the app (`routes`), the policy's derived transactions (`derived`)
and the split into shards (`shards`). Imports nothing of `run`, `reporting`,
`authoring` or `cli` (tests/test_layout.py).
"""
