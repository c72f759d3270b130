"""The drifted apps the e2e drift tests serve; the catalogue now lives in `drift/`.

`make drift` (`flask dredd drift --catalogue drift.catalogue`) runs all of them; the two
kept here by name are the ones `test_contract.py` serves (``--app-spec
tests.e2e.drifted_apps:…``).
"""

from drift.catalogue import changed_status, renamed_field

__all__ = ["changed_status", "renamed_field"]
