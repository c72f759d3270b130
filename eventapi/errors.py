"""The one place that turns failures into JSON error bodies.

Every error the API returns has the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "Event 7 was not found."}}

and a 422 adds ``"fields": {"<field>": ["<problem>", ...]}``. Views raise `ApiError`;
werkzeug's HTTP exceptions (unknown route, wrong method, ...) and unexpected exceptions are
converted here too, so no route ever answers with an HTML page.
"""

from collections.abc import Mapping

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = dict(headers or {})


class ValidationFailed(ApiError):
    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        names = ", ".join(sorted(fields))
        super().__init__(422, "validation_failed", f"Invalid fields: {names}.", fields=fields)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def unauthorized(code: str, message: str) -> ApiError:
    # RFC 6750: tell the client which scheme to use.
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def error_response(error: ApiError):
    body: dict = {"status": error.status, "code": error.code, "message": error.message}
    if error.fields is not None:
        body["fields"] = dict(error.fields)
    response = jsonify(error=body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _from_http_exception(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    # Keep headers werkzeug computed, e.g. Allow on 405; drop its HTML content type.
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    status = exc.code or 500
    return error_response(ApiError(status, code, exc.description or code, headers=headers))


def _too_large(exc: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    message = f"The request body is larger than the limit of {limit} bytes."
    return error_response(ApiError(413, "payload_too_large", message))


def _from_unexpected(exc: Exception):
    current_app.logger.exception("unhandled exception", exc_info=exc)
    return _from_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_unexpected)
