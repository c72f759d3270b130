"""Fixtures for the Users group: user 1 is the caller unless a hook says otherwise."""

import dredd_hooks as hooks

from factories import UserFactory, sign_in, sign_in_expired


@hooks.before("Users > Users > List Users > Example 1")
def three_users(transaction):
    # Three users with per_page=2: the list shows a first page of two.
    sign_in(transaction, UserFactory.create_batch(3)[0])


@hooks.before("Users > Users > List Users > Example 3")
def caller_token_expired(transaction):
    sign_in_expired(transaction)


@hooks.before("Users > Users > Create a User > Example 2")
def ada_email_taken(transaction):
    UserFactory(email="ada@example.com")


@hooks.before("Users > User > Retrieve a User > Example 1")
@hooks.before("Users > User > Update a User > Example 1")
@hooks.before("Users > User > Update a User > Example 4")
def user_1_signed_in(transaction):
    sign_in(transaction)


@hooks.before("Users > User > Update a User > Example 2")
def user_2_signed_in(transaction):
    UserFactory()
    sign_in(transaction)


@hooks.before("Users > User > Update a User > Example 3")
def grace_email_taken(transaction):
    sign_in(transaction)
    UserFactory(email="grace@example.com")
