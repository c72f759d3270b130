"""flask-dredd: contract testing for Flask APIs with Dredd.

Kept import-free on purpose: `python -m flask_dredd.handler` and `python -m
flask_dredd.recorder` import this package first, and the handler must start on a bare
Python without Flask installed.
"""

__version__ = "0.1.0"
