"""The compiled .apib and what is derived from it (issue #12 layout)."""
