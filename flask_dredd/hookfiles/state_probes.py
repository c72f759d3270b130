"""Hook file the runner adds to Dredd's `hookfiles`: state post-conditions and follow-up probes.

Kept in a folder of its own: the handler puts each hook file's folder on sys.path.
"""

from flask_dredd.probes.hook import install

install()
