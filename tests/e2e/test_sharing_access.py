"""Every sharing route with every kind of caller: anonymous, stranger, invitee (holds a pending
request for the node), secondary (accepted, level rw), primary and operator. Each cell gets a
fresh node, shared through the API itself."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.test_sharing import answer, share
from tests.support.client import Api, Caller, unique_email

ANONYMOUS, STRANGER, INVITEE, SECONDARY, PRIMARY, OPERATOR = (
    "anonymous", "stranger", "invitee", "secondary", "primary", "operator"
)  # fmt: skip
CALLERS = (ANONYMOUS, STRANGER, INVITEE, SECONDARY, PRIMARY, OPERATOR)


@dataclass
class Cell:
    node_id: str
    request_id: str  # the invitee's pending request
    callers: dict[str, Caller]

    @property
    def secondary_name(self) -> str:
        return self.callers[SECONDARY].user_name or ""


def expect(anonymous: int, stranger: int, invitee: int, secondary: int, primary: int, operator: int) -> dict:
    return dict(zip(CALLERS, (anonymous, stranger, invitee, secondary, primary, operator), strict=True))


SPEC_PATH = "/v1/user/nodes/sharing/requests"
# Operations that change the cell (answer, cancel, remove) get a fresh one; the rest share one.
CHANGES_THE_CELL = {"accept", "decline", "cancel", "remove_the_secondary"}

CASES = {
    "share_nodes": (
        lambda c: ("PUT", "/v1/user/nodes/sharing", {"nodes": [c.node_id], "user_name": unique_email()}),
        expect(401, 404, 404, 403, 200, 403),
    ),
    "share_nodes_spec_path": (
        lambda c: ("PUT", SPEC_PATH, {"nodes": [c.node_id], "user_name": unique_email()}),
        expect(401, 404, 404, 403, 200, 403),
    ),
    "accept": (
        lambda c: ("PUT", "/v1/user/nodes/sharing/requests", {"accept": True, "request_id": c.request_id}),
        expect(401, 404, 200, 404, 404, 404),
    ),
    "decline": (
        lambda c: ("PUT", "/v1/user/nodes/sharing/requests", {"accept": False, "request_id": c.request_id}),
        expect(401, 404, 200, 404, 404, 404),
    ),
    "cancel": (
        lambda c: ("DELETE", f"/v1/user/nodes/sharing/requests?request_id={c.request_id}", None),
        expect(401, 404, 404, 404, 200, 404),
    ),
    "list_received": (
        lambda c: ("GET", "/v1/user/nodes/sharing/requests", None),
        expect(401, 200, 200, 200, 200, 200),
    ),
    "list_sent": (
        lambda c: ("GET", "/v1/user/nodes/sharing/requests?primary_user=true", None),
        expect(401, 200, 200, 200, 200, 200),
    ),
    "get_request": (
        lambda c: ("GET", f"/v1/user/nodes/sharing/requests?request_id={c.request_id}", None),
        expect(401, 404, 200, 404, 200, 404),
    ),
    "list_sharing": (
        lambda c: ("GET", f"/v1/user/nodes/sharing?node_id={c.node_id}", None),
        expect(401, 404, 404, 200, 200, 200),
    ),
    "remove_the_secondary": (
        lambda c: ("DELETE", f"/v1/user/nodes/sharing?nodes={c.node_id}&user_name={c.secondary_name}", None),
        expect(401, 404, 404, 200, 200, 403),
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def people(api: Api) -> dict[str, Caller]:
    return {
        ANONYMOUS: api.anonymous,
        STRANGER: api.user("stranger"),
        INVITEE: api.user("invitee"),
        SECONDARY: api.user("secondary"),
        PRIMARY: api.user("primary"),
        OPERATOR: api.operator,
    }


def make_cell(api: Api, people: dict[str, Caller]) -> Cell:
    primary = people[PRIMARY]
    node_id = api.owned_node(primary)
    accepted = share(primary, [node_id], people[SECONDARY].user_name)["request_id"]
    assert answer(people[SECONDARY], accepted, True).status_code == 200
    pending = share(primary, [node_id], people[INVITEE].user_name)["request_id"]
    return Cell(node_id, pending, people)


@pytest.fixture(scope="module")
def shared_cell(api: Api, people: dict[str, Caller]) -> Cell:
    return make_cell(api, people)


@pytest.mark.parametrize("caller_kind", CALLERS)
@pytest.mark.parametrize("operation", CASES)
def test_sharing_route_answers_each_kind_of_caller(
    api: Api, people, shared_cell, operation: str, caller_kind: str
):
    cell = make_cell(api, people) if operation in CHANGES_THE_CELL else shared_cell
    build, expected = CASES[operation]
    method, path, body = build(cell)
    response = people[caller_kind].request(method, path, json=body)
    assert response.status_code == expected[caller_kind], response.text
    payload = response.json()
    if response.status_code >= 400:
        assert (
            payload["status"] == "failure"
            and payload["description"]
            and isinstance(payload["error_code"], int)
        )
