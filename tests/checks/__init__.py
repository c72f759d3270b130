"""Tests of flask_dredd.checks: the pipeline, and one file per check."""
