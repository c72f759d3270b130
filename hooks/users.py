"""Fixtures for the Users group: user 1 is the caller unless a hook says otherwise."""

import dredd_hooks as hooks

from factories import UserFactory, sign_in
from factories.scenarios import SOMEONE, SOMEONE_EXPIRED
from flask_dredd.fixtures import bind, given

USERS = "Users > Users"
USER = "Users > User"


@hooks.before(f"{USERS} > List Users > Example 1")
def three_users_and_one_elsewhere(transaction):
    # ?q=example.com&per_page=2: three users match, the list shows a first page of two
    # and a total of 3; user 4 matches neither by name nor by email and must not count.
    sign_in(transaction, UserFactory.create_batch(3)[0])
    UserFactory(email="grace@hopper.org", name="Grace Hopper")


@hooks.before(f"{USERS} > Create a User > Example 2")
def ada_email_taken(transaction):
    UserFactory(email="ada@example.com")


@hooks.before(f"{USER} > Update a User > Example 3")
def grace_email_taken(transaction):
    sign_in(transaction)
    UserFactory(email="grace@example.com")


bind(
    {
        given(caller=SOMEONE_EXPIRED): [f"{USERS} > List Users > Example 3"],
        given(caller=SOMEONE): [  # user 1
            f"{USER} > Retrieve a User > Example 1",
            f"{USER} > Update a User > Example 1",
            f"{USER} > Update a User > Example 4",
            f"{USER} > Retrieve a User That Does Not Exist",  # user 1 asks for user 2
        ],
        given(UserFactory, caller=SOMEONE): [f"{USER} > Update a User > Example 2"],  # user 2
    }
)
