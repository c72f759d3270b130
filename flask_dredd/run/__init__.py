"""Runs: the runner and its phases, and parallel runs of shards."""
