"""The checks: what the engine judges about each transaction, one module per check.

One pipeline runs in the hooks handler (`engine`): after each transaction every check
in `CHECKS` looks at it, in order, and returns `Finding`s; the failing ones fail the
transaction with one message, and all of them go into the transaction's record.

- `protocol`: `Check` (arm, watches/before, check), `Context`, `register`, `CHECKS`;
- `finding`: `Finding` (check, kind, where, expected, actual, message, severity);
- `engine`: the hooks, the order, the one fail path (`hookfiles/checks.py` installs it);
- the checks, in their order: `exact_headers`, `security_headers`, `exact_body`,
  `closed`, `number_types`, `post_conditions`, `followups`, `vacuity`.

A new check is one module here (a `Check` subclass with `@register`) and one test file:
`protocol.discover()` imports every module of this package. The vocabulary hook files
use stays where it is: `flask_dredd.exact` (paths, body and header comparison),
`flask_dredd.probes` (post-conditions, follow-ups, derived transactions, scoped lists).

Standard library only at module level: all of it runs in the hooks handler's process.
"""

from flask_dredd.checks.finding import Finding
from flask_dredd.checks.protocol import CHECKS, Check, Context, register

__all__ = ["CHECKS", "Check", "Context", "Finding", "register"]
