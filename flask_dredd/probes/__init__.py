"""Beyond one response (issue #11): state post-conditions and follow-up probes.

Handler side: these modules run in the hooks handler's process, so at module level they
import the standard library and the other handler-side modules only (SQLAlchemy and the
wiring inside the functions that read state). `flask_dredd/hookfiles/state_probes.py`
installs their hooks.
"""
