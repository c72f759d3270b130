"""What a run produced, and the reporters that render it.

Owns the vocabulary of results (`events`: the run's events and `TransactionResult`),
the reporters (`console`, `html`, run.json in `results`), the xunit report (`xunit`)
and the merge of shards' reports (`shards`). Never imports `run`, `authoring` or `cli`.
"""
