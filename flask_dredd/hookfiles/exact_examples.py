"""Hook file the runner adds to Dredd's `hookfiles`: exact comparison of documented examples.

Kept in a folder of its own: the handler puts each hook file's folder on sys.path.
"""

from flask_dredd.exact.hook import install

install()
