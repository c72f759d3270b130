"""The fixture recipes the hook files bind to transactions: the engine's `given` with
eventapi's callers (factories.scenarios)."""

from eventapi.auth.sessions import hash_key
from eventapi.extensions import db
from eventapi.models import LoginSession
from factories import EventFactory, SpeakerFactory, TalkFactory, TrackFactory, UserFactory
from factories.scenarios import OWNER, OWNER_BROWSER_WITHOUT_CSRF, SOMEONE, owner_of
from flask_dredd.fixtures import given


def transaction():
    return {"name": "G > R > A", "request": {"headers": {"Authorization": "Bearer <token>"}}}


def test_a_recipe_makes_its_rows_in_order_then_signs_in_the_owner(app):
    tx = transaction()
    given(TalkFactory, SpeakerFactory, caller=OWNER)(tx)
    talk = TalkFactory._meta.model.query.one()
    assert talk.id == 1
    assert tx["request"]["headers"]["Authorization"].startswith("Bearer ey")
    assert SpeakerFactory._meta.model.query.count() == 1


def test_someone_is_a_new_user(app):
    tx = transaction()
    given(EventFactory, caller=SOMEONE)(tx)
    assert UserFactory._meta.model.query.count() == 2  # the owner, and the caller


def test_a_browser_caller_gets_a_session_cookie_and_no_bearer(app):
    tx = transaction()
    given(EventFactory, caller=OWNER_BROWSER_WITHOUT_CSRF)(tx)
    headers = tx["request"]["headers"]
    assert "Authorization" not in headers and "X-CSRFToken" not in headers
    key = headers["Cookie"].split("session=")[1].split(";")[0]
    session = db.session.query(LoginSession).one()
    assert session.key_hash == hash_key(key)
    assert session.user_id == owner_of(EventFactory._meta.model.query.one()).id


def test_owner_of_every_kind_of_row(app):
    talk = TalkFactory(track=TrackFactory())
    assert owner_of(talk) == owner_of(talk.track) == owner_of(talk.event) == talk.event.owner
    speaker = SpeakerFactory()
    assert owner_of(speaker) == speaker.owner


def test_a_recipe_says_where_it_was_written():
    recipe = given(EventFactory, caller=OWNER)
    assert recipe.__name__ == "event_owner"
    assert recipe.__code__.co_filename == __file__
