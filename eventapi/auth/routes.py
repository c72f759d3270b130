from flask import current_app
from sqlalchemy import select

from eventapi.auth import bp
from eventapi.auth.passwords import password_matches
from eventapi.auth.tokens import issue_token
from eventapi.errors import unauthorized
from eventapi.extensions import db
from eventapi.models import User
from eventapi.validation import Field, email, json_body, load, text

LOGIN_SCHEMA = {
    "email": Field(email),
    "password": Field(text(max_length=128, strip=False)),
}


@bp.post("/login")
def login():
    credentials = load(LOGIN_SCHEMA, json_body())
    user = db.session.scalar(select(User).filter_by(email=credentials["email"]))
    # One message for an unknown email and a wrong password: don't reveal which emails exist.
    if user is None or not password_matches(user.password_hash, credentials["password"]):
        raise unauthorized("invalid_credentials", "The email or password is wrong.")
    return {
        "access_token": issue_token(user),
        "token_type": "Bearer",
        "expires_in": current_app.config["JWT_TTL_SECONDS"],
    }
