"""Schema-driven fuzzing (issue 12): schemathesis generates requests for every operation of the
served OpenAPI document and sends them to a local stack with real tokens. No answer may be a 5xx
(schemathesis' `not_a_server_error`), and every status answered must be one the document lists
for that operation (not its `default`): the document's 4xx lists are checked against the stack.

Bounded: a few derandomized examples per operation in each mode (valid and invalid requests; the
same requests on every run), no shrinking, schemathesis' coverage phase not run (it sends
hundreds of cases per operation), and a per-request timeout. Each operation is called as the
caller its route takes (`Route.caller`): a signed-in user, the operator, or the node with its
thing token. Valid cases are pointed at a node that caller really holds (else nearly all would
stop at a 404); invalid ones keep the node id generated for about half of them.

Response bodies are not checked against the document: most success shapes there are "a JSON
object", true but not precise enough to be worth asserting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies
from nodeshare.routes import ROUTES_BY_OPERATION, Caller
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.support.client import Api

MAX_EXAMPLES = 4  # per operation and mode (positive, negative)
REQUEST_TIMEOUT = 10  # seconds; a hung handler fails the module instead of stalling it
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same requests on every run
    database=None,
    deadline=None,
    phases=[hypothesis.Phase.generate],  # no shrinking: a 5xx is reported with the case that found it
    suppress_health_check=list(hypothesis.HealthCheck),
)
NODE_ID_NAMES = ("node_id", "nodeid")


@dataclass
class Fixture:
    """Who calls, and the nodes each caller really holds."""

    user_token: str
    operator_token: str
    thing_token: str
    user_node: str  # claimed by the user; its thing token is `thing_token`
    operator_node: str  # registered, nobody's: the operator's routes change it freely

    def caller_of(self, operation: str) -> tuple[str | None, str]:
        route = ROUTES_BY_OPERATION[operation]
        if route.caller is Caller.PUBLIC:
            return None, self.user_node
        if route.caller is Caller.OPERATOR:
            return self.operator_token, self.operator_node
        if route.caller is Caller.THING:
            return self.thing_token, self.user_node
        return self.user_token, self.user_node


@pytest.fixture(scope="module")
def fuzz(api: Api) -> Fixture:
    user = api.user("fuzz")
    user_node = api.owned_node(user)
    assert user.token is not None and api.operator.token is not None
    thing = api.thing(user_node)
    assert thing.token is not None
    return Fixture(user.token, api.operator.token, thing.token, user_node, api.node())


def _point_at_held_node(case: Any, node_id: str) -> None:
    """Valid cases name the node the caller holds (else nearly all would stop at a 404); invalid
    ones keep what was generated for about half of them (an odd-length id)."""
    positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE

    def replace(value: Any) -> bool:
        return positive or (isinstance(value, str) and len(value) % 2 == 0)

    if case.path_parameters and replace(case.path_parameters.get("node_id")):
        case.path_parameters["node_id"] = node_id
    query_names = {parameter["name"] for parameter in case.operation.definition.raw.get("parameters", [])}
    if (
        positive
        and "node_id" in query_names
        and not any(name in (case.query or {}) for name in NODE_ID_NAMES)
    ):
        case.query = {**(case.query or {}), "node_id": node_id}
    for name in NODE_ID_NAMES:
        if case.query and name in case.query and replace(case.query[name]):
            case.query[name] = node_id


def _call(case: Any, fuzz: Fixture) -> None:
    token, node_id = fuzz.caller_of(case.operation.definition.raw["operationId"])
    _point_at_held_node(case, node_id)
    headers = {"Authorization": token} if token else {}
    response = case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=REQUEST_TIMEOUT)
    documented = case.operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (
        f"{case.operation.label} answered {response.status_code}, which its document does not list: "
        f"{response.text[:300]}\n{case.as_curl_command(headers)}"
    )


def test_no_operation_answers_a_server_error(api: Api, fuzz: Fixture) -> None:
    # The served document (schemathesis leaves out the operation that serves it).
    schema = schemathesis.openapi.from_url(f"{api.base_url}/v1/openapi.json", timeout=REQUEST_TIMEOUT)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @SETTINGS
        @hypothesis.given(strategy)
        def fuzz_operation(case: Any) -> None:
            _call(case, fuzz)

        try:
            fuzz_operation()
        except Exception as failure:  # schemathesis' FailureGroup: the check and the request
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
