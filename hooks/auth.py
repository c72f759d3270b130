"""Fixtures for the Auth group. The other login examples need no rows at all."""

import dredd_hooks as hooks

from factories import UserFactory


@hooks.before("Auth > Login > Log In > Example 1")
@hooks.before("Auth > Login > Log In > Example 2")
def ada_has_an_account(transaction):
    UserFactory(email="ada@example.com")  # with the blueprint's password, the default
