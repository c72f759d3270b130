"""Exact comparison of responses with their documented examples (see README, "Exact examples").

Gavel, Dredd's validator, checks a body against the JSON Schema of its MSON only and a
header's value only for Content-Type-like headers. flask-dredd controls the data (ids
restart at 1 after each reset, factories make the same rows), so it compares what the
example shows, value by value:

- `paths`: JSON path patterns (`$..created_at`, `$.items[*].score`) and concrete paths;
- `body`: a documented body against the real one (JSON value by value, or text);
- `headers`: the documented headers against the real ones, one rule per header;
- `transaction`: one Dredd transaction, the rules that apply to it, its differences.

The checks `exact-headers` and `exact-body` (`flask_dredd.checks`) run the comparison
in the hooks handler for every transaction.

Standard library only: all of it runs inside the hooks handler.
"""
