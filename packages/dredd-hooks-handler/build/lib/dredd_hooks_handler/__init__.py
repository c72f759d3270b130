"""dredd-hooks-handler: Dredd's hooks handler for Python, a drop-in for dredd-hooks-python.

Standard library only, Python 3.8+. Kept import-free: the handler's start time counts.

- `dredd_hooks_handler.hooks`: the registry and the decorators hook files use, also
  importable as `dredd_hooks` inside the handler (`import dredd_hooks as hooks`);
- `dredd_hooks_handler.handler`: the handler (`dredd-hooks-handler`,
  `python -m dredd_hooks_handler`);
- `dredd_hooks_handler.recorder`: the handler, keeping one JSON record per transaction.
"""

__version__ = "0.1.0"
