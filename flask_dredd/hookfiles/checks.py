"""Hook file the runner adds to Dredd's `hookfiles`: the engine's checks, in order.

Kept in a folder of its own: the handler puts each hook file's folder on sys.path.
"""

from flask_dredd.checks.engine import install

install()
