"""The tools that help write a contract and its hooks; what `names`, `check`, `scaffold`,
`record`, `drift` and `init` do behind the CLI.

Owns the project's files (`project`), each transaction's state (`inventory`,
`exactness`, `derived_listing`), the CI gate (`check`), stubs and new projects
(`scaffold`, `init`, `skeleton`, `lockfile`), real answers written back (`record`) and
the drift catalogue (`drift`). May use `contract`, `run` and `reporting`; never `cli`.
"""
