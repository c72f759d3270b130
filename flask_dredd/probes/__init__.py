"""Beyond one response (issue #11): the vocabulary of state post-conditions, follow-up
probes, derived transactions and scoped lists, and the code that reads state and asks
the server for them.

Hook files import `conditions`, `followup` and `vacuity` from here; the checks that
judge each transaction with them are in `flask_dredd.checks` (`post_conditions`,
`followups`, `vacuity`), and `derived` arms derived transactions in the engine's
before_all (`flask_dredd.checks.engine`).

Handler side: these modules run in the hooks handler's process, so at module level they
import the standard library and the other handler-side modules only (SQLAlchemy and the
wiring inside the functions that read state).
"""
