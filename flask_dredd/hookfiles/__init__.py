"""The hook file the engine itself adds to Dredd's `hookfiles` in a run, by path.

`checks.py` installs the engine's checks (`flask_dredd.checks.engine`). Dredd's hooks
handler loads it as a file, so it stays a short file at this path.
"""
