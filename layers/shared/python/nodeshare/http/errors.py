"""THE error table: every domain exception's HTTP status and RainMaker error code.

Every error body has RainMaker's shape:
`{"status": "failure", "description": "...", "error_code": 107xxx}`.
"""

from __future__ import annotations

from http import HTTPStatus

from nodeshare.model import errors

ERROR_TABLE: dict[type[errors.DomainError], tuple[HTTPStatus, int]] = {
    errors.BadRequest: (HTTPStatus.BAD_REQUEST, 107001),
    errors.InvalidParams: (HTTPStatus.BAD_REQUEST, 107002),
    errors.InvalidPassword: (HTTPStatus.BAD_REQUEST, 107003),
    errors.InvalidVerificationCode: (HTTPStatus.BAD_REQUEST, 107004),
    errors.Unauthenticated: (HTTPStatus.UNAUTHORIZED, 107010),
    errors.InvalidCredentials: (HTTPStatus.UNAUTHORIZED, 107011),
    errors.UserNotConfirmed: (HTTPStatus.FORBIDDEN, 107012),
    errors.AccessDenied: (HTTPStatus.FORBIDDEN, 107020),
    errors.OperatorOnly: (HTTPStatus.FORBIDDEN, 107021),
    errors.NodeNotFound: (HTTPStatus.NOT_FOUND, 107030),
    errors.ClaimRejected: (HTTPStatus.NOT_FOUND, 107031),
    errors.NodeAlreadyExists: (HTTPStatus.CONFLICT, 107040),
    errors.UserAlreadyExists: (HTTPStatus.CONFLICT, 107041),
    errors.Conflict: (HTTPStatus.CONFLICT, 107042),
    errors.PayloadTooLarge: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, 107050),
    errors.RequestNotFound: (HTTPStatus.NOT_FOUND, 107060),
    errors.RequestNotPending: (HTTPStatus.CONFLICT, 107061),
    errors.RequestExpired: (HTTPStatus.GONE, 107062),
    errors.GroupNotFound: (HTTPStatus.NOT_FOUND, 107070),
    errors.GroupLimitReached: (HTTPStatus.CONFLICT, 107071),
    errors.ProjectNotFound: (HTTPStatus.NOT_FOUND, 107072),
    errors.ProductNotFound: (HTTPStatus.NOT_FOUND, 107073),
    errors.RoleNotFound: (HTTPStatus.NOT_FOUND, 107080),
    errors.ShareUserNotFound: (HTTPStatus.NOT_FOUND, 107081),
    errors.TooManyAttempts: (HTTPStatus.TOO_MANY_REQUESTS, 107090),
    errors.Busy: (HTTPStatus.SERVICE_UNAVAILABLE, 107091),
}

# Not a domain error: a bug or an outage. The description never leaks internals.
INTERNAL_ERROR = (HTTPStatus.INTERNAL_SERVER_ERROR, 107099)
ROUTE_NOT_FOUND = (HTTPStatus.NOT_FOUND, 107098)


def status_and_code(error: errors.DomainError) -> tuple[HTTPStatus, int]:
    for cls in type(error).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]  # type: ignore[index]
    return (HTTPStatus.BAD_REQUEST, 107000)


def failure_body(description: str, error_code: int) -> dict[str, object]:
    return {"status": "failure", "description": description, "error_code": error_code}
