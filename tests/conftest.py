"""Suite-wide: the longest tests start first.

`make test` runs the files on two pytest workers (`--dist loadfile`), handed out in the
order collected (`--no-loadscope-reorder`: by default xdist hands out the files with the
most tests first). A test marked `longest` (the drift catalogue: minutes of whole-contract
runs) collected late would start when the other worker has little left to do, and the
suite would wait for it alone; started first, the rest of the suite runs beside it.
"""

from __future__ import annotations

import pytest

#: Fixtures several folders share (suite-wide plugins are declared here only).
pytest_plugins = ["tests.adoption.stateproject"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: the same order on every worker, as xdist requires.
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)
