"""Which rows each example needs, and who sends it."""

from factories import NoteFactory, UserFactory, author
from flask_dredd.declarations import no_fixtures
from flask_dredd.fixtures import bind, given

bind(
    {
        given(UserFactory): [
            "Auth > Login > Log in > Example 1",
            "Auth > Login > Log in > Example 2",
            "Users > User > Get a user",
        ],
        given(NoteFactory): ["Notes > Notes > List notes", "Notes > Note > Get a note > Example 1"],
        given(caller=author): ["Notes > Notes > Create a note > Example 1"],
    }
)
no_fixtures("Notes > Notes > Create a note > Example 2", "Notes > Note > Get a note > Example 2")
