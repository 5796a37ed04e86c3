"""The local API Gateway: matches a request to the route table, authorizes it like the JWT
authorizer, builds an API Gateway v2 (payload 2.0) event and calls the route's handler module.

Each handler module is loaded as separate "instances" (fresh module objects), one request at a
time per instance, the way Lambda runs it; concurrent requests get concurrent instances.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from nodeshare.http.errors import ERROR_TABLE, INTERNAL_ERROR, ROUTE_NOT_FOUND, failure_body
from nodeshare.http.tokens import JwtAuthorizer, Unauthorized
from nodeshare.local import permissions
from nodeshare.model import errors
from nodeshare.observability import logger
from nodeshare.routes import EITHER_TOKEN_AUTHORIZER, ROUTES, Caller, Route

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own limit
MAX_CHUNK_LINE = 1024  # a chunk's size line (with extensions) or a trailer line
MAX_TRAILER_LINES = 100
LISTEN_BACKLOG = 128  # connections the kernel holds before the server accepts them
UNAUTHORIZED_CODE = 107010
BAD_REQUEST_CODE = ERROR_TABLE[errors.BadRequest][1]
PAYLOAD_TOO_LARGE_CODE = ERROR_TABLE[errors.PayloadTooLarge][1]


@dataclass
class LambdaContext:
    """What Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


# Handler modules are loaded one at a time: two threads importing the same packages for the first
# time can see each other's partially initialized modules (circular imports inside Powertools).
_LOADING = threading.Lock()


class HandlerPool:
    """Idle instances of one handler module; a new instance is loaded when all are busy."""

    def __init__(self, path: Path, attribute: str = "handler") -> None:
        self.path = path
        self.attribute = attribute
        self.idle: list[ModuleType] = []
        self.lock = threading.Lock()
        self.loaded = 0

    def _load(self) -> ModuleType:
        with _LOADING:
            self.loaded += 1
            name = f"nodeshare_local_{self.path.stem}_{self.loaded}_{uuid.uuid4().hex[:6]}"
            spec = importlib.util.spec_from_file_location(name, self.path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module

    def warm(self) -> None:
        """Load one instance ahead of the first request, as Lambda initializes before invoking."""
        module = self._load()
        with self.lock:
            self.idle.append(module)

    def invoke(self, event: dict[str, Any], context: LambdaContext) -> Any:
        with self.lock:
            module = self.idle.pop() if self.idle else None
        if module is None:
            module = self._load()
        try:
            return getattr(module, self.attribute)(event, context)
        finally:
            with self.lock:
                self.idle.append(module)


def handler_path(functions_dir: Path, handler: str) -> Path:
    return functions_dir / (handler.replace(".", "/") + ".py")


@dataclass
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def _compile(route: Route) -> CompiledRoute:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path))
    return CompiledRoute(route, re.compile(f"^{regex}$"))


class LambdaAuthorizer:
    """An HTTP API Lambda authorizer (payload 2.0, simple responses), run as deployed: the
    authorizer's own handler module, given the request's `Authorization` header."""

    def __init__(self, pool: HandlerPool) -> None:
        self.pool = pool

    def claims(self, authorization: str | None) -> dict[str, str]:
        if not authorization:
            raise Unauthorized("missing token")  # API Gateway does not call it without the header
        event = {"version": "2.0", "type": "REQUEST", "headers": {"authorization": authorization}}
        with permissions.acting_as(EITHER_TOKEN_AUTHORIZER):
            answer = self.pool.invoke(event, LambdaContext(function_name=EITHER_TOKEN_AUTHORIZER.operation))
        if not answer.get("isAuthorized"):
            raise Unauthorized("refused by the authorizer")
        return dict(answer.get("context") or {})


class Gateway:
    """`users` verifies Cognito tokens (user and operator routes), `things` thing tokens (thing
    routes), as the deployed API's two JWT authorizers do; `things` is set once the gateway
    knows its own address (the thing-token issuer is served under it)."""

    def __init__(
        self, functions_dir: Path, users: JwtAuthorizer, things: JwtAuthorizer | None = None
    ) -> None:
        self.routes = [_compile(route) for route in ROUTES]
        self.pools = {
            route.operation: HandlerPool(handler_path(functions_dir, route.handler)) for route in ROUTES
        }
        self.users = users
        self.things = things
        self.either = LambdaAuthorizer(
            HandlerPool(handler_path(functions_dir, EITHER_TOKEN_AUTHORIZER.handler))
        )

    def warm(self) -> None:
        for pool in self.pools.values():
            pool.warm()
        self.either.pool.warm()

    def authorizer_for(self, route: Route) -> JwtAuthorizer | LambdaAuthorizer | None:
        """The route's authorizer by where it may be called from (`Route.caller`)."""
        if route.caller is Caller.PUBLIC:
            return None
        if route.caller is Caller.USER_OR_THING:
            return self.either
        if route.caller is Caller.THING:
            assert self.things is not None, "the thing authorizer is set when the gateway serves"
            return self.things
        return self.users

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for compiled in self.routes:
            found = compiled.pattern.match(path)
            if found and compiled.route.method == method:
                return compiled.route, found.groupdict()
        return None

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        matched = self.match(method, url.path)
        if matched is None:
            return _json(404, failure_body("No such route", ROUTE_NOT_FOUND[1]))
        route, path_params = matched
        claims = None
        authorizer = self.authorizer_for(route)
        if authorizer is not None:
            try:
                claims = authorizer.claims(headers.get("authorization"))
            except Unauthorized:
                return _json(401, failure_body("Unauthorized", UNAUTHORIZED_CODE))
        event = build_event(route, method, url.path, url.query, headers, body, path_params, claims)
        try:
            with permissions.acting_as(route):  # the route's IAM, as deployed
                result = self.pools[route.operation].invoke(
                    event, LambdaContext(function_name=route.operation)
                )
        except Exception:  # a crashed invocation: API Gateway answers 500
            logger.exception("handler crashed", operation=route.operation)
            return _json(500, failure_body("Internal error", INTERNAL_ERROR[1]))
        return _response(result)


def build_event(
    route: Route,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    path_params: dict[str, str],
    claims: dict[str, str] | None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An HTTP API payload-2.0 event, as API Gateway hands it to Lambda (the local gateway
    listens on loopback only, so its callers are all 127.0.0.1)."""
    query_params: dict[str, str] = {}
    # API Gateway percent-decodes values but keeps '+' as it is (e-mails like a+b@x.test arrive raw).
    for key, value in parse_qsl(query.replace("+", "%2B"), keep_blank_values=True):
        query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode(), True
    now = time.time()
    route_key = f"{route.method} {route.path}"
    context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": headers.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None and route.caller is Caller.USER_OR_THING:
        context["authorizer"] = {"lambda": claims}  # a Lambda authorizer's context
    elif claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": is_base64,
    }
    if query_params:
        event["queryStringParameters"] = query_params
    if path_params:
        event["pathParameters"] = path_params
    if body:
        event["body"] = text
    return event


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(body).encode()


def _response(result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {key.lower(): str(value) for key, value in (result.get("headers") or {}).items()}
    return int(result.get("statusCode", 200)), headers, raw


class _Unframed(Exception):
    """A request whose body cannot be told apart from what follows it on the connection: answered
    with `status` in the error shape, and the connection closed."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class _GatewayServer(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of new connections overflowed it, and the
    # kernel dropped (or reset) the ones beyond while the accepting thread waited for the GIL.
    request_queue_size = LISTEN_BACKLOG


def serve(gateway: Gateway, port: int) -> ThreadingHTTPServer:
    """Start the HTTP server on 127.0.0.1:`port` (0: any free port) in a background thread.

    What it refuses is refused in the spec's error shape, with a 4xx: any method reaches the
    route table (one no route has is the missing-route 404, as the deployed HTTP API answers); a
    body is framed by one well-formed `Content-Length` or by chunks, else 400 (413 past
    API Gateway's 10 MB) and the connection is closed; `http.server`'s own refusals (a malformed
    request line, a line or headers too long) are answered in the same shape.
    """

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # every method, not only those http.server has a do_ for
                return self._serve
            raise AttributeError(name)

        def _serve(self) -> None:
            try:
                body = self._body()
            except _Unframed as refused:
                self.close_connection = True
                code = PAYLOAD_TOO_LARGE_CODE if refused.status == 413 else BAD_REQUEST_CODE
                self._send(*_json(refused.status, failure_body(refused.description, code)))
                return
            headers: dict[str, str] = {}
            for key, value in self.headers.items():
                key = key.lower()
                headers[key] = f"{headers[key]},{value}" if key in headers else value
            try:
                answer = gateway.handle(self.command, self.path, headers, body)
            except Exception:  # the gateway's own fault (the handler's is answered by `handle`)
                logger.exception("gateway failed", method=self.command)
                answer = _json(500, failure_body("Internal error", INTERNAL_ERROR[1]))
            self._send(*answer)

        def _body(self) -> bytes:
            codings = [coding.strip().lower() for value in self.headers.get_all("transfer-encoding") or []
                       for coding in value.split(",")]  # fmt: skip
            lengths = {length.strip() for value in self.headers.get_all("content-length") or []
                       for length in value.split(",")}  # fmt: skip
            if codings:
                if lengths:
                    raise _Unframed(400, "Content-Length and Transfer-Encoding must not come together")
                if codings != ["chunked"]:
                    raise _Unframed(400, "The only transfer coding accepted is chunked")
                return self._chunked_body()
            if not lengths:
                return b""
            if len(lengths) > 1 or not all(re.fullmatch("[0-9]{1,12}", length) for length in lengths):
                raise _Unframed(400, "Content-Length must be one non-negative integer")
            length = int(lengths.pop())
            if length > MAX_PAYLOAD_BYTES:
                raise _Unframed(413, "Request body too large")
            return self.rfile.read(length) if length else b""

        def _chunked_body(self) -> bytes:
            body = bytearray()
            while True:
                line = self.rfile.readline(MAX_CHUNK_LINE + 1)
                size = line.split(b";", 1)[0].strip()
                if len(line) > MAX_CHUNK_LINE or not re.fullmatch(b"[0-9A-Fa-f]{1,8}", size):
                    raise _Unframed(400, "Malformed chunked body")
                count = int(size, 16)
                if len(body) + count > MAX_PAYLOAD_BYTES:
                    raise _Unframed(413, "Request body too large")
                if count == 0:
                    break
                chunk = self.rfile.read(count)
                if len(chunk) < count or self.rfile.read(2) != b"\r\n":
                    raise _Unframed(400, "Malformed chunked body")
                body += chunk
            for _ in range(MAX_TRAILER_LINES):  # trailer fields, which nothing reads, then the blank line
                if self.rfile.readline(MAX_CHUNK_LINE + 1) in (b"\r\n", b"\n", b""):
                    return bytes(body)
            raise _Unframed(400, "Malformed chunked body")

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """`http.server`'s own refusals, in the error shape; a 4xx, since a request it cannot read
            (HTTP/2.0 on this HTTP/1.1 port included) is the client's to fix."""
            self.close_connection = True
            if self.request_version == "HTTP/0.9" and "HTTP/" in getattr(self, "requestline", ""):
                self.request_version = self.protocol_version  # refused before it was read: HTTP/2.0
            status = code if 400 <= code < 500 else 400
            description = message or HTTPStatus(code).phrase
            self._send(*_json(status, failure_body(description, BAD_REQUEST_CODE)))

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key not in ("content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("content-length", str(len(body)))
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the handlers log
            pass

    server = _GatewayServer(("127.0.0.1", port), RequestHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    return server
