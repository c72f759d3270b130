"""Transactions without fixture hooks: one declaration a line, for the tests to edit."""

from flask_dredd.declarations import no_fixtures, skip

no_fixtures("Items > Items > Create an item")
no_fixtures("Items > Item > Get an item > Example 2")
no_fixtures("Health > Health > Check health")
skip("Items > Tags > List tags", reason="tags are not stored yet")
