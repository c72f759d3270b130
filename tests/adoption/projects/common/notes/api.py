"""Five routes: log in, list and create notes (creating needs a token), a note, a user."""

from flask import Blueprint, g, request
from notes import store
from notes.auth import login_required, token_for
from notes.models import Note, User
from werkzeug.security import check_password_hash

bp = Blueprint("api", __name__)


def note_json(note):
    return {"id": note.id, "title": note.title, "author_id": note.author_id}


@bp.post("/login")
def login():
    body = request.get_json()
    user = store.user_by_email(body.get("email", ""))
    if user is None or not check_password_hash(user.password_hash, body.get("password", "")):
        return {"error": "bad credentials"}, 401
    return {"token": token_for(user)}


@bp.get("/notes")
def list_notes():
    return [note_json(note) for note in store.all_notes()]


@bp.post("/notes")
@login_required
def create_note():
    note = store.add(Note(title=request.get_json()["title"], author_id=g.user_id))
    return note_json(note), 201


@bp.get("/notes/<int:note_id>")
def get_note(note_id):
    note = store.get(Note, note_id)
    return note_json(note) if note else ({"error": "not found"}, 404)


@bp.get("/users/<int:user_id>")
def get_user(user_id):
    user = store.get(User, user_id)
    return {"id": user.id, "email": user.email} if user else ({"error": "not found"}, 404)
