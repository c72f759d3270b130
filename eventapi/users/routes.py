from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from eventapi.auth.guard import current_user, login_required
from eventapi.auth.passwords import hash_password
from eventapi.errors import ApiError, forbidden
from eventapi.extensions import db
from eventapi.models import Role, User
from eventapi.pagination import paginate
from eventapi.query import contains, query, query_params
from eventapi.users import bp
from eventapi.users.schemas import CREATE_SCHEMA, FILTER_SCHEMA, UPDATE_SCHEMA, user_json
from eventapi.validation import json_body, load


def get_user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id, description=f"User {user_id} was not found.")


def email_taken(email: str) -> ApiError:
    return ApiError(409, "email_taken", f"A user with email {email} already exists.")


def ensure_email_free(email: str) -> None:
    if db.session.scalar(select(User.id).filter_by(email=email)) is not None:
        raise email_taken(email)


def commit_user(user: User) -> None:
    """Commit; losing a unique-email race to another worker gives the same 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise email_taken(user.email) from None


@bp.post("")
def create_user():
    fields = load(CREATE_SCHEMA, json_body())
    ensure_email_free(fields["email"])
    user = User(
        email=fields["email"],
        name=fields["name"],
        password_hash=hash_password(fields["password"]),
        role=Role.named(Role.MEMBER),
    )
    db.session.add(user)
    commit_user(user)
    return user_json(user), 201, {"Location": url_for("users.get_user", user_id=user.id)}


@bp.get("")
@login_required
@query(FILTER_SCHEMA, paginated=True)
def list_users():
    params = query_params()
    query_ = select(User)
    if params.get("q"):
        pattern = contains(params["q"])
        in_name = User.name.ilike(pattern, escape="\\")
        in_email = User.email.ilike(pattern, escape="\\")
        query_ = query_.where(or_(in_name, in_email))
    return paginate(query_.order_by(User.id), params, user_json)


@bp.get("/<id:user_id>")
@login_required
def get_user(user_id: int):
    return user_json(get_user_or_404(user_id))


@bp.patch("/<id:user_id>")
@login_required
def update_user(user_id: int):
    user = get_user_or_404(user_id)
    if user.id != current_user().id:
        raise forbidden("You may only update your own account.")
    fields = load(UPDATE_SCHEMA, json_body(), partial=True)
    if fields.get("email", user.email) != user.email:
        ensure_email_free(fields["email"])
    if "password" in fields:
        user.password_hash = hash_password(fields.pop("password"))
    for name, value in fields.items():
        setattr(user, name, value)
    commit_user(user)
    return user_json(user)
