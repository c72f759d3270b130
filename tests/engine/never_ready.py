"""An app whose import never ends: gunicorn binds its port, but no worker ever answers."""

import time

time.sleep(3600)
app = None
