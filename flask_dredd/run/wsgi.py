"""What gunicorn serves when the app is named as `flask --app` names it.

gunicorn takes ``module:app`` and ``module:create_app()`` itself, but not a bare module,
which `flask --app` resolves by looking for ``app``/``application`` or a
``create_app``/``make_app`` factory. The runner serves a bare module as
``flask_dredd.run.wsgi:serve('module')``, so the server and the hooks find the app the
same way, once per gunicorn worker.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import ScriptInfo


def serve(import_path: str) -> Flask:
    """The app `flask --app import_path` would load."""
    return ScriptInfo(app_import_path=import_path, set_debug_flag=False).load_app()


def gunicorn_spec(import_path: str) -> str:
    """`module:app` and `module:create_app()` as they are; a bare module through `serve`."""
    if ":" in import_path:
        return import_path
    return f"flask_dredd.run.wsgi:serve({import_path!r})"
