"""The compiled .apib: compiling, reorder, routes, the text, shards, derived transactions."""
