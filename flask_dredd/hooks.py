"""`flask_dredd.hooks` is `dredd_hooks_handler.hooks`: the hook registry and decorators.

The registry lives in the dredd-hooks-handler distribution (standard library, Python
3.8+), with the handler that reads it. This name stays for hook files and engine code
that import it: it is the very same module object, so `hooks.registry` is one registry
whichever name a hook file or the engine uses.
"""

import sys

from dredd_hooks_handler import hooks

sys.modules[__name__] = hooks
