"""`python -m dredd_hooks_handler`: the same as the `dredd-hooks-handler` command."""

import sys

from dredd_hooks_handler.handler import main

if __name__ == "__main__":
    sys.exit(main())
