"""`endpoint(operation)`: turns a function `Request -> reply` into a Lambda handler.

Powertools' resolver matches the route from the route table, the one error table turns domain
exceptions into RainMaker-shaped errors, and anything unexpected becomes a logged 500 whose
body reveals nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from nodeshare.domain import authorization
from nodeshare.http.errors import INTERNAL_ERROR, ROUTE_NOT_FOUND, failure_body, status_and_code
from nodeshare.http.request import Request
from nodeshare.model.errors import DomainError
from nodeshare.observability import logger
from nodeshare.routes import ROUTES_BY_OPERATION, Caller, Route

Reply = dict[str, Any] | list[Any] | Response
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def json_response(status: HTTPStatus, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def no_content() -> Response:
    return Response(status_code=HTTPStatus.NO_CONTENT, body="")


def error_response(status: HTTPStatus, description: str, error_code: int) -> Response:
    return json_response(status, failure_body(description, error_code))


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
                    authorization.require_operator(request.principal)  # before the body or any row is read
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

        @logger.inject_lambda_context(clear_state=True)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            logger.append_keys(operation=operation)
            return resolver.resolve(event, context)

        handler.__doc__ = operation_function.__doc__
        return handler

    return wrap
