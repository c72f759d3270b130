"""`python -m flask_dredd.handler` runs the dredd-hooks-handler; importing this name gives
its module (`dredd_hooks_handler.handler`), so existing dredd.yml files and tools keep
working. Standard library only, like the handler itself.
"""

import sys

from dredd_hooks_handler import handler

if __name__ == "__main__":
    sys.exit(handler.main())
sys.modules[__name__] = handler
