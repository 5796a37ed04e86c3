"""SPEC §2.3, "one decision point": walk the route table, and fail for any route that names a node,
a request, a group or a role but answers without asking `authorization.decide` (nodes),
`authorization.may_handle_request` (requests), `authorization.may_handle_group` (groups),
`authorization.may_handle_role` (roles), `authorization.decide_product` (products),
`authorization.may_act_as_thing` (a thing on its own node), `authorization.may_see_mapping`
(mapping requests) or `authorization.may_ask_about_owner` / `speaks_for` (Kii ownership), or an
operator route that reads its body before refusing a user. The thing-token exchange checks the
thing password and PIN confirmations the PIN before anything else (both limited and counted)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from nodeshare.domain import authorization
from nodeshare.routes import ROUTES, Caller, Route

from tests.api.conftest import OPERATOR, call

USER = {"sub": "u-1", "username": "u-1"}
NAMING = ("node_id", "nodeid", "nodes", "request_id", "group_id", "groups", "roleIds", "thingId")
# The decision's entry points: nodes, requests, user groups, node groups, roles, things,
# mapping requests, products.
DECIDERS = (
    "decide",
    "may_handle_request",
    "may_handle_group",
    "may_handle_node_group",
    "may_handle_role",
    "decide_product",
    "may_act_as_thing",
    "may_see_mapping",
    "may_ask_about_owner",
    "speaks_for",
)
# Routes that create the node they name: only who may call them is decided (`Route.caller`).
CREATES_THE_NODE = {"register_node"}
# Routes where knowing the node's thing password is the whole question (as a password is at
# login): they must check it, with the same work whatever the node.
AUTHENTICATES_THE_NODE = {"issue_thing_token"}
# Routes where a PIN is checked first (a wrong one is refused before any decision, and counted);
# a right one is then decided (`authorization.pin_taker`, tests/api/test_ownership.py).
CHECKS_A_PIN = {"confirm_ownership_pin", "confirm_ownership_pin_kii"}
THING = {"sub": "n1", "token_use": "thing", "secret_version": "0", "aud": "nodeshare-things"}

NOW_MS = int(time.time() * 1000)
PRODUCT = "UmxHK6K8BXsa9KawRh4bTbqc"
# One plausible request per route that names a node or a request: (query, body, path parameters).
SAMPLES: dict[str, tuple[str, Any, dict[str, str]]] = {
    "register_node": ("", {"node_id": "n1"}, {}),
    "claim_node": ("", {"userID": "u-1", "thingPassword": "password-1"}, {"node_id": "n1"}),
    "list_admin_nodes": ("node_id=n1", None, {}),
    "get_admin_node": ("withScopes=true", None, {"node_id": "n1"}),
    "update_admin_node": ("", {"scopes": {"users": ["+u-1"]}}, {"node_id": "n1"}),
    "list_user_nodes": ("node_id=n1", None, {}),
    "get_node_config": ("nodeid=n1", None, {}),
    "get_node_params": ("nodeid=n1", None, {}),
    "get_node_status": ("nodeid=n1", None, {}),
    "explain_access": ("node_id=n1&action=write", None, {}),
    "set_node_params": ("", [{"node_id": "n1", "payload": {"Light": {"Power": True}}}], {}),
    "list_params_history": ("node_id=n1&from=0&to=2000000000000&num_records=10", None, {}),
    "correct_params_history": ("node_id=n1", {"timestamp": NOW_MS, "params": {"Light": {"Power": True}}}, {}),
    "purge_params_history": ("node_id=n1&from=0&to=2000000000000", None, {}),
    "update_node_mapping": ("", {"node_id": "n1", "operation": "remove"}, {}),
    "share_nodes": ("", {"nodes": ["n1"], "user_name": "b@x.test"}, {}),
    "update_share_request": ("", {"accept": True, "request_id": "r1"}, {}),
    "cancel_share_request": ("request_id=r1", None, {}),
    "list_share_requests": ("request_id=r1", None, {}),
    "list_sharing": ("node_id=n1", None, {}),
    "remove_sharing": ("nodes=n1&user_name=b@x.test", None, {}),
    "update_user_node": ("node_id=n1", {"tags": ["room:kitchen"]}, {}),
    "remove_node_tags": ("node_id=n1", {"tags": ["room:kitchen"]}, {}),
    "set_permission": ("", {"user_name": "b@x.test", "node_id": "n1", "permission": "r"}, {}),
    "list_permissions": ("node_id=n1", None, {}),
    "remove_permission": ("node_id=n1&user_name=b@x.test", None, {}),
    "get_user_group": ("", None, {"group_id": "ug-1"}),
    "update_user_group": ("", {"name": "Family"}, {"group_id": "ug-1"}),
    "delete_user_group": ("", None, {"group_id": "ug-1"}),
    "set_group_users": ("", {"users": ["b@x.test"]}, {"group_id": "ug-1"}),
    "list_group_users": ("", None, {"group_id": "ug-1"}),
    "create_node_group": ("", {"group_name": "G", "nodes": ["n1"]}, {}),
    "get_node_groups": ("group_id=G1&node_list=true", None, {}),
    "edit_node_group": ("group_id=G1", {"nodes": ["n1"], "operation": "add"}, {}),
    "delete_node_group": ("group_id=G1", None, {}),
    "share_node_groups": ("", {"groups": ["G1"], "user_name": "b@x.test"}, {}),
    "update_group_share_request": ("", {"accept": True, "request_id": "r1"}, {}),
    "cancel_group_share_request": ("request_id=r1", None, {}),
    "list_group_share_requests": ("request_id=r1", None, {}),
    "list_group_sharing": ("group_id=G1", None, {}),
    "remove_group_sharing": ("groups=G1&user_name=b@x.test", None, {}),
    "request_permission": ("", {"nodes": ["n1"], "permission": "r"}, {}),
    "list_permission_requests": ("request_id=r1", None, {}),
    "answer_permission_request": ("", {"request_id": "r1", "accept": True, "permission": "r"}, {}),
    "cancel_permission_request": ("request_id=r1", None, {}),
    "list_node_actions": ("node_id=n1", None, {}),
    "run_node_action": ("", {"node_id": "n1", "action_id": "on"}, {}),
    "get_role": ("", None, {"role_id": "rl-1"}),
    "update_role": ("", {"roleName": "Kids"}, {"role_id": "rl-1"}),
    "delete_role": ("", None, {"role_id": "rl-1"}),
    "list_role_permissions": ("", None, {"role_id": "rl-1"}),
    "add_role_permission": ("", {"thingId": "n1", "policy": "DeviceFullAccess"}, {"role_id": "rl-1"}),
    "delete_role_permissions": ("", None, {"role_id": "rl-1"}),
    "delete_role_permission": ("", None, {"role_id": "rl-1", "permission_id": "pm-1"}),
    "set_share_user_roles": ("", {"user_name": "b@x.test", "roleIds": ["rl-1"]}, {}),
    "get_admin_product": ("withScopes=true", None, {"product_id": PRODUCT}),
    "update_admin_product": ("", {"scopes": {"users": ["+u-1"]}}, {"product_id": PRODUCT}),
    "delete_admin_product": ("", None, {"product_id": PRODUCT}),
    "issue_thing_token": ("", {"thingPassword": "password-1"}, {"node_id": "n1"}),
    "report_node_config": ("", {"info": {}, "devices": []}, {"node_id": "n1"}),
    "report_node_params": ("", {"Light": {"Power": True}}, {"node_id": "n1"}),
    "get_desired_params": ("since=0", None, {"node_id": "n1"}),
    "report_connectivity": ("", {"connected": True}, {"node_id": "n1"}),
    "report_factory_reset": ("", None, {"node_id": "n1"}),
    "confirm_node_mapping": ("", {"user_id": "u-1", "secret_key": "k"}, {"node_id": "n1"}),
    "get_node_mapping": ("request_id=" + "0" * 32, None, {}),
    "list_owners": ("", None, {"node_id": "n1"}),
    "check_owner": ("", None, {"node_id": "n1", "owner": "user:u-1"}),
    "remove_owner": ("", None, {"node_id": "n1", "owner": "user:u-1"}),
    "request_ownership_pin": ("", None, {"node_id": "n1", "owner": "user:u-1"}),
    "confirm_ownership_pin": ("", {"code": "123456"}, {"node_id": "n1"}),
    "confirm_ownership_pin_kii": ("", {"code": "123456"}, {"node_id": "n1"}),
}


def names_a_node_or_request(route: Route) -> bool:
    in_body = route.body is not None and any(f'"{name}"' in json.dumps(route.body) for name in NAMING)
    in_path = any(f"{{{name}}}" in route.path for name in ("node_id", "group_id", "role_id", "product_id"))
    return in_path or bool(set(route.query) & set(NAMING)) or in_body


NAMING_ROUTES = [route for route in ROUTES if names_a_node_or_request(route)]


def test_every_route_that_names_a_node_or_request_has_a_sample_here():
    assert {route.operation for route in NAMING_ROUTES} == set(SAMPLES)


@pytest.mark.parametrize("route", NAMING_ROUTES, ids=lambda route: route.operation)
def test_the_route_asks_the_one_decision_point(aws, monkeypatch: pytest.MonkeyPatch, route: Route):
    asked: list[str] = []
    for name in (*DECIDERS, "require_operator"):
        original = getattr(authorization, name)

        def recording(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            asked.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(authorization, name, recording)
    from nodeshare.domain import devices

    original_verify = devices.verify_secret

    def verifying(*args: Any, **kwargs: Any) -> bool:
        asked.append("verify_secret")
        return original_verify(*args, **kwargs)

    monkeypatch.setattr(devices, "verify_secret", verifying)
    from nodeshare.domain import ownership

    original_lookup = ownership.pin_store.get_pending

    def looking_up(*args: Any, **kwargs: Any) -> Any:
        asked.append("pin lookup")
        return original_lookup(*args, **kwargs)

    monkeypatch.setattr(ownership.pin_store, "get_pending", looking_up)
    query, body, path_params = SAMPLES[route.operation]
    claims = {Caller.OPERATOR: OPERATOR, Caller.THING: THING}.get(route.caller, USER)
    request_body = "" if body is None else json.dumps(body)
    response = call(route.operation, claims=claims, query=query, body=request_body, path_params=path_params)
    assert response["statusCode"] < 500, response["body"]
    deciders = set(DECIDERS)
    if route.operation in CREATES_THE_NODE:
        deciders = {"require_operator"}
    elif route.operation in AUTHENTICATES_THE_NODE:
        deciders = {"verify_secret"}
    elif route.operation in CHECKS_A_PIN:
        deciders = {"pin lookup"}
    assert deciders & set(asked), f"{route.operation} answered without asking the decision"


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if route.caller is Caller.OPERATOR], ids=lambda route: route.operation
)
@pytest.mark.parametrize("body", ["", "{}", '{"node_id": "x"}', "not json"])
def test_operator_routes_refuse_users_before_reading_the_body(aws, route: Route, body: str):
    # A route naming no node, request or group (a project's) gets a placeholder for its path ids.
    placeholders = {name: "U" * 24 for name in re.findall(r"{(\w+)}", route.path)}
    path_params = SAMPLES[route.operation][2] if route.operation in SAMPLES else placeholders
    response = call(route.operation, claims=USER, body=body, path_params=path_params)
    assert response["statusCode"] == 403
    assert json.loads(response["body"])["error_code"] == 107021
