"""Tests of flask_dredd.probes: post-conditions, follow-up probes."""
