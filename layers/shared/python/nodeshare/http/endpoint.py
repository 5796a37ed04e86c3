"""`endpoint(operation)`: turns a function `Request -> reply` into a Lambda handler.

Powertools' resolver matches the route from the route table, the one error table turns domain
exceptions into RainMaker-shaped errors, and anything unexpected becomes a logged 500 whose
body reveals nothing.

Every log line of a request carries `correlation_id` (API Gateway's request id, `requestId` in the
access log) and the caller (`user_id`, or `thing_id` for a device), besides Lambda's own
`function_request_id` (the access log's `functionRequestId`); the request's business counts are
published when it ends (`observability.publish_counts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from nodeshare.domain.thing_tokens import TOKEN_USE
from nodeshare.http.errors import INTERNAL_ERROR, ROUTE_NOT_FOUND, failure_body, status_and_code
from nodeshare.http.request import Request
from nodeshare.model.errors import DomainError
from nodeshare.observability import logger, publish_counts
from nodeshare.routes import ROUTES_BY_OPERATION, Caller, Route

Reply = dict[str, Any] | list[Any] | Response
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def json_response(status: HTTPStatus, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def no_content() -> Response:
    return Response(status_code=HTTPStatus.NO_CONTENT, body="")


def error_response(status: HTTPStatus, description: str, error_code: int) -> Response:
    return json_response(status, failure_body(description, error_code))


def caller_keys(event: dict[str, Any]) -> dict[str, str]:
    """Who is calling, for the logs: `user_id` (a user's token: `custom:user_id`, else `sub`, the
    same value) or `thing_id` (a thing token names its node), from the claims API Gateway's
    authorizer passed on (a JWT authorizer's, or the Lambda authorizer's context); nothing on a
    public route. Read for the logs only, never raising: deciding is `Request.principal`'s."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or authorizer.get("lambda") or {}
    if not isinstance(claims, dict):
        return {}
    if claims.get("token_use") == TOKEN_USE:
        return {"thing_id": str(claims["sub"])} if claims.get("sub") else {}
    user_id = claims.get("custom:user_id") or claims.get("sub")
    return {"user_id": str(user_id)} if user_id else {}


def endpoint(*operations: str) -> Callable[[Callable[[Request], Reply]], LambdaHandler]:
    """The Lambda handler serving `operations` (usually one; a module may serve aliases of a route)."""
    routes = [ROUTES_BY_OPERATION[operation] for operation in operations]
    operation = operations[0]

    def wrap(operation_function: Callable[[Request], Reply]) -> LambdaHandler:
        resolver = APIGatewayHttpResolver()

        def dispatch_to(route: Route) -> Callable[..., Response]:
            def dispatch(**path_params: str) -> Response:
                request = Request(resolver.current_event, path_params, route)
                if route.caller is Caller.OPERATOR:
                    # Imported here: the decision brings the store and pynamodb, which a public
                    # route such as login never otherwise loads (README, "Cold start").
                    from nodeshare.domain.authorization import require_operator

                    require_operator(request.principal)  # before the body or any row is read
                if route.checks_account and not request.is_thing:
                    from nodeshare.domain.authorization import require_account

                    require_account(request.principal, while_deleting=route.while_deleting)
                reply = operation_function(request)
                return reply if isinstance(reply, Response) else json_response(HTTPStatus.OK, reply)

            return dispatch

        for route in routes:
            resolver.route(route.resolver_path, route.method)(dispatch_to(route))

        @resolver.exception_handler(DomainError)
        def domain_error(error: DomainError) -> Response:
            status, code = status_and_code(error)
            logger.info("refused", operation=operation, error=type(error).__name__, status=int(status))
            return error_response(status, error.description, code)

        @resolver.exception_handler(Exception)
        def unexpected(error: Exception) -> Response:
            logger.exception("unexpected error", operation=operation)
            return error_response(INTERNAL_ERROR[0], "Internal error", INTERNAL_ERROR[1])

        @resolver.not_found
        def not_found(_: Exception) -> Response:
            return error_response(ROUTE_NOT_FOUND[0], "No such route", ROUTE_NOT_FOUND[1])

        @logger.inject_lambda_context(
            clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP
        )
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            logger.append_keys(operation=operation, **caller_keys(event))
            try:
                return resolver.resolve(event, context)
            finally:
                publish_counts()

        handler.__doc__ = operation_function.__doc__
        return handler

    return wrap
