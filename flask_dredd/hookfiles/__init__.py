"""Hook files the engine itself adds to Dredd's `hookfiles` in a run, by path.

`exact_examples.py` installs exact comparison (`flask_dredd.exact.hook`),
`state_probes.py` the state and follow-up probes (`flask_dredd.probes.hook`). Dredd's
hooks handler loads them as files, so they stay short files at these paths.
"""
