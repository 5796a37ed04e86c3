"""A request as the domain sees it: the principal, the parsed body, query values.

Everything a caller can send wrong is turned into a clear 4xx here, before the domain runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from nodeshare import clock, schemas
from nodeshare.domain.thing_tokens import TOKEN_USE
from nodeshare.model.entities import Principal, Thing
from nodeshare.model.errors import BadRequest, PayloadTooLarge, Unauthenticated
from nodeshare.routes import Caller, Route
from nodeshare.settings import settings
from nodeshare.user_pool import OPERATOR_GROUP

MAX_QUERY_VALUE = 8192  # room for `nodes=` with 100 ids; each id is validated on its own
# Levels of objects and arrays a body may nest (the body itself is level 1): DynamoDB's own limit
# for a document. What each stored document may hold is tighter (`domain.stored_json`).
MAX_BODY_DEPTH = 32


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """The caller, from the claims the JWT authorizer put on the event.

    API Gateway hands claims over as strings and arrays as "[a b]"; ID tokens carry
    `custom:user_id` and `email`, access tokens only `sub` (the same value as `custom:user_id`,
    see `domain.users`) and `username`.

    The token's `email` is never taken as the caller's name: a user may change it through
    Cognito's own API (unverified, or verified to an address nodeshare never saw), and e-mail is
    an identity here (sharing by e-mail). The caller is named by the address stored on its user
    row (`domain.users.user_name_of`, `domain.sharing.caller_name`), the same in every view.
    """
    user_id = claims.get("custom:user_id") or claims.get("sub")
    if not user_id or claims.get("token_use") == TOKEN_USE:  # a thing is never a user
        raise Unauthenticated("Unauthorized")
    return Principal(
        user_id=str(user_id),
        user_name="",
        is_operator=OPERATOR_GROUP in _claim_list(claims.get("cognito:groups")),
    )


def thing_from_claims(claims: Mapping[str, Any]) -> Thing:
    """The calling node, from the claims the thing authorizer put on the event: a thing token
    (`token_use` "thing") names its node (`sub`) and the secret version it was issued under."""
    node_id, version = claims.get("sub"), str(claims.get("secret_version", ""))
    if claims.get("token_use") != TOKEN_USE or not node_id or not version.isdigit():
        raise Unauthenticated("A thing token is required")
    return Thing(node_id=str(node_id), secret_version=int(version))


def _claim_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value).strip("[]").replace(",", " ").split()


# Compiled once per schema per cold start (fastjsonschema is what Powertools validation uses), on
# first use, and imported then: a function whose route takes no body never loads it (README,
# "Cold start"); one whose route does pays it in its first request instead of at import.
# Keyed by identity: the schemas are module constants of `nodeshare.schemas`, alive for good.
_VALIDATORS: dict[int, Callable[[Any], Any]] = {}


def validate(data: Any, schema: dict[str, Any]) -> Any:
    import fastjsonschema

    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = fastjsonschema.compile(schema)
    try:
        return validator(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise BadRequest(f"Invalid request: {exc.message}") from exc


def parse_json(text: str) -> Any:
    """The JSON value of a request body, or `BadRequest`: strict JSON (no `NaN` or `Infinity`, no
    number too large for a float), no lone surrogate in any string or key, and at most
    `MAX_BODY_DEPTH` levels of objects and arrays, so that nothing after this walks deeper.
    """
    try:
        data = json.loads(text, parse_constant=_not_a_json_number, parse_float=_finite_float)
    except RecursionError as exc:  # the parser recurses per level: far deeper than allowed
        raise BadRequest(f"JSON body nested deeper than {MAX_BODY_DEPTH} levels") from exc
    except ValueError as exc:
        raise BadRequest("Malformed JSON body") from exc
    _check_parsed(data)
    return data


def _not_a_json_number(constant: str) -> Any:
    raise BadRequest(f"Malformed JSON body: {constant} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadRequest(f"Number {text[:40]} is out of range")
    return number


def _check_parsed(data: Any) -> None:
    """Depth and Unicode of a parsed body, walked without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list) and depth > MAX_BODY_DEPTH:
            raise BadRequest(f"JSON body nested deeper than {MAX_BODY_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # `json.loads` reads "\ud800" into a str no one can encode
        raise BadRequest("JSON body holds a string that is not valid Unicode (a lone surrogate)") from exc


class Request:
    def __init__(self, event: APIGatewayProxyEventV2, path_params: Mapping[str, str], route: Route) -> None:
        self.event = event
        self.route = route
        self.path = dict(path_params)
        self.now = clock.now()
        self.now_ms = clock.now_ms()

    @property
    def principal(self) -> Principal:
        """The calling user (routes of `Caller.USER` / `OPERATOR`)."""
        return principal_from_claims(self._claims())

    @property
    def thing(self) -> Thing:
        """The calling node (routes of `Caller.THING`)."""
        return thing_from_claims(self._claims())

    @property
    def source_ip(self) -> str:
        """The client's address as API Gateway saw it (what a public route knows of its caller)."""
        return self.event.request_context.http.source_ip or "unknown"

    @property
    def is_thing(self) -> bool:
        """The caller holds a thing token (on a route either side may call)."""
        return self.route.caller is not Caller.USER and self._claims().get("token_use") == TOKEN_USE

    @property
    def caller(self) -> Principal | Thing:
        """On a route either side may call (`Caller.USER_OR_THING`): the node, when the token is
        a thing token, else the user."""
        return self.thing if self._claims().get("token_use") == TOKEN_USE else self.principal

    def _claims(self) -> Mapping[str, Any]:
        """A JWT authorizer's claims, or the Lambda authorizer's context (the same claims)."""
        authorizer = self.event.request_context.authorizer
        claims = (authorizer.jwt_claim or authorizer.get_lambda) if authorizer else None
        if not claims:
            raise Unauthenticated("Unauthorized")
        return claims

    def access_token(self) -> str:
        """The caller's Cognito access token as it was sent (the authorizer has checked it), for the
        calls Cognito makes on the user's own behalf; an ID token is refused with a 400."""
        claims = (
            self.event.request_context.authorizer.jwt_claim if self.event.request_context.authorizer else {}
        )
        header = (self.event.headers or {}).get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not claims or claims.get("token_use") != "access" or not token:
            raise BadRequest("This needs the access token (accesstoken of /v1/login2), not the ID token")
        return token

    def body(self) -> Any:
        """The JSON body, validated against the route's schema (the route table's `body`)."""
        schema = self.route.body
        assert schema is not None, f"route {self.route.operation} declares no body schema"
        try:
            text = self.event.decoded_body or ""
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("Request body must be UTF-8 JSON") from exc
        if len(text.encode()) > settings().max_body_bytes:
            raise PayloadTooLarge(f"Request body exceeds {settings().max_body_bytes} bytes")
        if not text.strip():
            raise BadRequest("Request body is required")
        return validate(parse_json(text), schema)

    def query(self, name: str, *aliases: str) -> str | None:
        params = self.event.query_string_parameters or {}
        for key in (name, *aliases):
            value = params.get(key)
            if value is not None:
                if len(value) > MAX_QUERY_VALUE:
                    raise BadRequest(f"Query parameter {key} is too long")
                return value
        return None

    def required_query(self, name: str, *aliases: str) -> str:
        value = self.query(name, *aliases)
        if not value:
            raise BadRequest(f"Query parameter {name} is required")
        return value

    def query_bool(self, name: str) -> bool:
        value = self.query(name)
        if value is None:
            return False
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0", ""):
            return False
        raise BadRequest(f"Query parameter {name} must be true or false")

    def query_choice(self, name: str, choices: list[str], default: str) -> str:
        value = self.query(name)
        if value is None:
            return default
        if value not in choices:
            raise BadRequest(f"Query parameter {name} must be one of {', '.join(choices)}")
        return value

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        value = self.query(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError as exc:
            raise BadRequest(f"Query parameter {name} must be an integer") from exc
        if not low <= number <= high:
            raise BadRequest(f"Query parameter {name} must be between {low} and {high}")
        return number

    def query_time_ms(self, name: str, *, required: bool = False) -> int | None:
        """A time in epoch milliseconds (a non-negative integer) from the query."""
        value = self.required_query(name) if required else self.query(name)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or len(value) > 16:
            raise BadRequest(f"Query parameter {name} must be a time in milliseconds (an integer >= 0)")
        return int(value)

    def node_id(self) -> str:
        """RainMaker clients send `node_id` or `nodeid`; both are accepted (SPEC §3.1)."""
        return self.query_node_id("node_id", "nodeid", required=True) or ""

    def query_node_id(self, name: str, *aliases: str, required: bool = False) -> str | None:
        """A node id from the query, checked like one in a body (a key DynamoDB would refuse is a 400)."""
        value = self.required_query(name, *aliases) if required else self.query(name, *aliases)
        return None if value is None else validate(value, schemas.NODE_ID)

    def query_node_ids(self, name: str) -> list[str]:
        """A comma-separated list of 1 to 100 node ids (`nodes=a,b`)."""
        node_ids = [node_id.strip() for node_id in self.required_query(name).split(",") if node_id.strip()]
        return validate(node_ids, schemas.NODE_IDS)

    def query_email(self, name: str) -> str | None:
        value = self.query(name)
        return None if value is None else validate(value, schemas.EMAIL)

    def query_group_id(self, name: str = "group_id", *, required: bool = True) -> str | None:
        value = self.required_query(name) if required else self.query(name)
        return None if value is None else validate(value, schemas.GROUP_ID)

    def query_group_ids(self, name: str) -> list[str]:
        """A comma-separated list of 1 to 10 node group ids (`groups=G1,G2`)."""
        given = self.required_query(name).split(",")
        return validate([group_id.strip() for group_id in given if group_id.strip()], schemas.GROUP_IDS)

    def path_id(self, name: str) -> str:
        """An id from the path, checked like one in a body (a key DynamoDB would refuse is a 400)."""
        return validate(self.path.get(name, ""), schemas.GROUP_ID)

    def path_project_id(self) -> str:
        """The project id in the path (`/v1/admin/projects/{project_id}`): 24 letters and digits."""
        return validate(self.path.get("project_id", ""), schemas.PROJECT_ID)

    def query_project_id(self, name: str) -> str | None:
        value = self.query(name)
        return None if value is None else validate(value, schemas.PROJECT_ID)

    def path_product_id(self) -> str:
        """The product id in the path (`/v1/admin/products/{product_id}`): the seed's 24 characters."""
        return validate(self.path.get("product_id", ""), schemas.PRODUCT_ID)

    def query_product_id(self, name: str) -> str | None:
        value = self.query(name)
        return None if value is None else validate(value, schemas.PRODUCT_ID)

    def path_node_id(self) -> str:
        """The node id in the path (`/v1/admin/nodes/{node_id}`), checked like one in a body."""
        return validate(self.path.get("node_id", ""), schemas.NODE_ID)

    def query_id(self, name: str, *, required: bool = False) -> str | None:
        """An opaque id (a request id) from the query."""
        value = self.required_query(name) if required else self.query(name)
        return None if value is None else validate(value, schemas.ID)
