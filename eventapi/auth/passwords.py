"""Password hashing, with the method taken from the config (cheap in tests)."""

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
