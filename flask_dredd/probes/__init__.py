"""Beyond one response (issue #11): state post-conditions and follow-up probes (handler side)."""
