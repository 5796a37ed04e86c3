"""Domain exceptions. Each one maps to an HTTP status and a RainMaker error code in exactly one
place: `nodeshare.http.errors.ERROR_TABLE`."""


class DomainError(Exception):
    """Base of every error a caller can cause. The message is safe to show to the caller."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(DomainError):
    """The request is malformed: bad JSON, wrong types, unknown fields, limits exceeded."""


class PayloadTooLarge(DomainError):
    """The body is larger than the API accepts."""


class Unauthenticated(DomainError):
    """No valid credentials where the route needs them."""


class InvalidCredentials(DomainError):
    """User name and password (or refresh token) do not match."""


class UserNotConfirmed(DomainError):
    """The account exists but its e-mail has not been confirmed yet."""


class UserAlreadyExists(DomainError):
    """Sign-up for an e-mail that already has an account."""


class InvalidPassword(DomainError):
    """The password does not meet the user pool's policy."""


class InvalidVerificationCode(DomainError):
    """The sign-up confirmation code is wrong or expired."""


class NodeNotFound(DomainError):
    """The node does not exist *or* the caller may not know that it does (SPEC §2.4)."""


class NodeAlreadyExists(DomainError):
    """An operator registered a node id twice."""


class AccessDenied(DomainError):
    """The caller may see the node but not perform this action on it."""


class OperatorOnly(DomainError):
    """The route is for operators (Cognito group `admin`)."""


class ClaimRejected(DomainError):
    """Claiming failed: unknown node, wrong thing password or another user's id — never which."""


class InvalidParams(DomainError):
    """A params write that the node's config does not allow."""


class Conflict(DomainError):
    """A racing request changed the state first; the caller may retry."""


class AddressTaken(Conflict):
    """Another account's record names the address an account verified (`domain.users`)."""


class RequestNotFound(DomainError):
    """No such request *for this caller*: others' requests are never revealed."""


class RequestNotPending(DomainError):
    """The request was already accepted, declined or cancelled."""


class RequestExpired(DomainError):
    """The request's lifetime (7 days by default) has passed."""


class GroupNotFound(DomainError):
    """No such group *for this caller*: groups it may not see are never revealed."""


class TooManyAttempts(DomainError):
    """Too many failed attempts (wrong thing passwords) in a while: try again later."""


class Busy(DomainError):
    """A dependency stayed throttled through the bounded retries: try again shortly."""


class RoleNotFound(DomainError):
    """No such role, permission or action *for this caller*: roles are their owner's alone."""


class ShareUserNotFound(DomainError):
    """No user of that e-mail has access to the caller's nodes (unknown or not: the same answer)."""


class GroupLimitReached(DomainError):
    """A limit that keeps the decision cheap was reached (groups per user, nodes per group, …)."""


class ProjectNotFound(DomainError):
    """No such project (operators see every project, so nothing is hidden)."""


class ProductNotFound(DomainError):
    """No such product *for this caller*: a product outside its scopes answers like a missing one."""
