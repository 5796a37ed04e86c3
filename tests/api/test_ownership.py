"""Kii ownership (issue 9, SPEC §1.1 step 1, §3.2): owner groups, claims for a group, checks and
lists with Kii's visibility, giving ownership up, and both PIN flows — the real handlers against
moto, with users' claims and a thing's claims as the authorizers hand them over."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

ALICE = {"sub": "u-1", "custom:user_id": "u-1", "email": "u1@x.test"}  # the primary, when there is one
BOB = {"sub": "u-2", "custom:user_id": "u-2", "email": "u2@x.test"}  # in alice's group "family"
CAROL = {"sub": "u-3", "custom:user_id": "u-3", "email": "u3@x.test"}  # a stranger
THING = {"sub": "n1", "token_use": "thing", "secret_version": "0", "aud": "nodeshare-things"}
NODE = {"node_id": "n1"}
SECRET = "12345678"
CONFIG = {
    "info": {},
    "devices": [
        {"name": "Light", "params": [{"name": "Power", "data_type": "bool", "properties": ["read", "write"]}]}
    ],
}


def ok(response: dict, status: int = 204) -> dict:
    assert response["statusCode"] == status, response["body"]
    return json.loads(response["body"]) if response["body"] else {}


def status_of(response: dict) -> int:
    return response["statusCode"]


@pytest.fixture
def family(aws) -> str:
    """Node n1 registered (nobody owns it), and alice's user group "family" holding bob."""
    from nodeshare.model.entities import User
    from nodeshare.store import users as user_store

    for user in (ALICE, BOB, CAROL):
        user_store.put(User(user["sub"], user["email"], 0))
    body = {"node_id": "n1", "name": "Light", "type": "t", "secret": SECRET, "config": CONFIG}
    ok(call("register_node", claims=OPERATOR, body=json.dumps(body)), 201)
    group_id = ok(call("create_user_group", claims=ALICE, body=json.dumps({"name": "family"})), 201)[
        "group_id"
    ]
    members = json.dumps({"users": [BOB["email"]]})
    ok(call("set_group_users", claims=ALICE, body=members, path_params={"group_id": group_id}), 200)
    return group_id


def claim(user: dict, **body: str) -> dict:
    return call(
        "claim_node", claims=user, body=json.dumps({"thingPassword": SECRET, **body}), path_params=NODE
    )


def check(caller: dict, owner: str) -> int:
    return status_of(call("check_owner", claims=caller, path_params={**NODE, "owner": owner}))


def owners(caller: dict) -> dict:
    return call("list_owners", claims=caller, path_params=NODE)


def params(user: dict) -> int:
    return status_of(call("get_node_params", claims=user, query="nodeid=n1"))


def write(user: dict) -> int:
    return status_of(
        call("set_node_params", claims=user, query="nodeid=n1", body=json.dumps({"Light": {"Power": True}}))
    )


def node():
    from nodeshare.store import nodes as node_store

    return node_store.get("n1")


# --- owner groups -----------------------------------------------------------------------------------


def test_a_member_claims_a_node_nobody_owns_for_its_group_and_the_members_act_as_owners(family):
    ok(claim(BOB, groupID=family))
    assert node().primary_user_id is None and node().current_owner_groups == (family,)
    assert params(BOB) == 200 and write(BOB) == 200  # bob acts as an owner
    assert params(ALICE) == 404  # the group's owner is not a member: not an owner
    assert ok(owners(BOB), 200) == {"users": [], "groups": [family]}
    assert check(BOB, f"group:{family}") == 204 and check(THING, f"group:{family}") == 204
    assert claim(CAROL, userID="u-3")["statusCode"] == 404  # owned: like a wrong password


def test_a_group_claim_by_a_non_member_is_refused_like_a_wrong_password(family):
    refused = claim(CAROL, groupID=family)
    wrong = json.dumps({"userID": "u-3", "thingPassword": "nope-1234"})
    wrong_password = call("claim_node", claims=CAROL, body=wrong, path_params=NODE)
    assert status_of(refused) == status_of(wrong_password) == 404
    assert json.loads(refused["body"]) == json.loads(wrong_password["body"])
    assert node().current_owner_groups == ()


def test_the_primary_adds_a_group_beside_itself_under_the_same_epoch(family):
    ok(claim(ALICE, userID="u-1"))
    epoch = node().epoch
    assert claim(BOB, groupID=family)["statusCode"] == 404  # bob does not own it: no takeover
    ok(call("set_group_users", claims=ALICE, body=json.dumps({"users": [ALICE["email"]], "operation": "add"}),
            path_params={"group_id": family}), 200)  # fmt: skip
    ok(claim(ALICE, groupID=family))
    assert node().epoch == epoch and node().primary_user_id == "u-1"
    assert write(BOB) == 200
    # members may not transfer or release: only the primary removes itself
    assert status_of(call("remove_owner", claims=BOB, path_params={**NODE, "owner": "user:u-1"})) == 404
    transfer = {"nodes": ["n1"], "user_name": CAROL["email"], "transfer": True}
    assert status_of(call("share_nodes", claims=BOB, body=json.dumps(transfer))) == 403


def test_what_a_member_shares_counts_while_it_is_an_owner(family):
    ok(claim(BOB, groupID=family))
    share = {"nodes": ["n1"], "user_name": CAROL["email"]}
    request_id = ok(call("share_nodes", claims=BOB, body=json.dumps(share)), 200)["request_id"]
    ok(
        call(
            "update_share_request", claims=CAROL, body=json.dumps({"accept": True, "request_id": request_id})
        ),
        200,
    )
    assert params(CAROL) == 200
    remove = json.dumps({"users": [BOB["email"]], "operation": "remove"})
    ok(call("set_group_users", claims=ALICE, body=remove, path_params={"group_id": family}), 200)
    assert params(BOB) == 404 and params(CAROL) == 404  # bob's authority went, and what he gave


def test_removing_the_last_owner_group_releases_the_node(family):
    ok(claim(BOB, groupID=family))
    epoch = node().epoch
    ok(call("remove_owner", claims=BOB, path_params={**NODE, "owner": f"group:{family}"}))
    assert node().epoch == epoch + 1 and not node().owned and params(BOB) == 404
    ok(claim(CAROL, userID="u-3"))  # nobody owns it: claimable again


def test_the_primary_removing_itself_releases_the_node_and_operators_remove_anyone(family):
    ok(claim(ALICE, userID="u-1"))
    assert status_of(call("remove_owner", claims=CAROL, path_params={**NODE, "owner": "user:u-1"})) == 404
    ok(call("remove_owner", claims=ALICE, path_params={**NODE, "owner": "user:u-1"}))
    assert not node().owned
    ok(claim(BOB, groupID=family))
    ok(call("remove_owner", claims=OPERATOR, path_params={**NODE, "owner": f"group:{family}"}))
    assert not node().owned


def test_kii_visibility_of_ownership_checks(family):
    ok(claim(ALICE, userID="u-1"))
    assert check(ALICE, "user:u-1") == 204  # itself
    assert check(BOB, "user:u-2") == 404  # itself, not an owner
    assert check(CAROL, "user:u-1") == 404  # someone else: as if not an owner
    assert check(OPERATOR, "user:u-1") == 204 and check(THING, "user:u-1") == 204
    assert check(THING, "user:u-3") == 404
    assert check(BOB, f"group:{family}") == 404 and check(CAROL, f"group:{family}") == 404
    assert check(ALICE, "nobody") == 400
    assert status_of(owners(CAROL)) == 404 and ok(owners(OPERATOR), 200) == {"users": ["u-1"], "groups": []}
    assert ok(owners(THING), 200) == {"users": ["u-1"], "groups": []}


# --- PIN flows ---------------------------------------------------------------------------------------


def pin(caller: dict, owner: str) -> str:
    return ok(call("request_ownership_pin", claims=caller, path_params={**NODE, "owner": owner}), 200)["code"]


def confirm(caller: dict, code: str, operation: str = "confirm_ownership_pin") -> dict:
    return call(operation, claims=caller, body=json.dumps({"code": code}), path_params=NODE)


def test_app_started_pin_confirmed_by_the_thing_takes_the_node_over(family):
    ok(claim(CAROL, userID="u-3"))
    epoch = node().epoch
    code = pin(ALICE, "user:u-1")
    assert len(code) == 6 and code.isdigit()
    assert status_of(confirm(ALICE, code)) == 404  # not the other side
    ok(confirm(THING, code))
    assert node().primary_user_id == "u-1" and node().epoch == epoch + 1 and params(CAROL) == 404
    assert status_of(confirm(THING, code)) == 404  # single use


def test_thing_started_pin_confirmed_by_a_member_makes_the_group_the_owner(family):
    ok(claim(ALICE, userID="u-1"))
    code = pin(THING, f"group:{family}")
    assert status_of(confirm(CAROL, code)) == 404  # not a member
    ok(confirm(BOB, code, "confirm_ownership_pin_kii"))  # Kii's spelling, `cofirm`
    assert node().primary_user_id is None and node().current_owner_groups == (family,)
    assert params(ALICE) == 404 and params(BOB) == 200


def test_a_user_starts_a_pin_only_for_itself_or_its_groups(family):
    for owner in ("user:u-2", f"group:{family}"):
        assert (
            status_of(call("request_ownership_pin", claims=CAROL, path_params={**NODE, "owner": owner}))
            == 404
        )
    assert pin(BOB, f"group:{family}")


def test_a_pin_expires_exactly(family, monkeypatch: pytest.MonkeyPatch):
    import time

    from nodeshare.settings import settings

    frozen = time.time()  # the clock stands still: a second passing mid-test must not decide it
    monkeypatch.setattr(time, "time", lambda: frozen)
    monkeypatch.setattr(time, "time_ns", lambda: int(frozen * 1e9))
    code = pin(ALICE, "user:u-1")
    monkeypatch.setenv("CLOCK_OFFSET_SECONDS", str(settings().pin_ttl_seconds))
    assert status_of(confirm(THING, code)) == 404
    monkeypatch.setenv("CLOCK_OFFSET_SECONDS", str(settings().pin_ttl_seconds - 1))
    ok(confirm(THING, code))


def test_wrong_codes_lock_the_caller_out_not_the_others(family):
    code = pin(THING, "user:u-1")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [status_of(confirm(CAROL, wrong)) for _ in range(6)]
    assert answers == [404] * 5 + [429]
    assert status_of(confirm(CAROL, code)) == 429  # even the right code, for the locked caller
    ok(confirm(ALICE, code))  # the rightful user is not locked out


def test_a_pin_is_bound_to_the_epoch_it_was_made_in(family):
    ok(claim(ALICE, userID="u-1"))
    code = pin(THING, "user:u-1")
    ok(call("remove_owner", claims=ALICE, path_params={**NODE, "owner": "user:u-1"}))  # a new epoch
    assert status_of(confirm(ALICE, code)) == 409


def test_the_taker_must_still_be_in_the_group_when_the_pin_is_confirmed(family):
    code = pin(BOB, f"group:{family}")
    remove = json.dumps({"users": [BOB["email"]], "operation": "remove"})
    ok(call("set_group_users", claims=ALICE, body=remove, path_params={"group_id": family}), 200)
    assert status_of(confirm(THING, code)) == 404 and not node().owned


def test_bad_pin_input_is_a_400(family):
    for body in ({"code": "12345"}, {"code": "abcdef"}, {}, {"code": 123456}):
        answer = call("confirm_ownership_pin", claims=THING, body=json.dumps(body), path_params=NODE)
        assert status_of(answer) == 400, body
    for owner in ("user:", "robot:x", "u-1"):
        assert (
            status_of(call("request_ownership_pin", claims=ALICE, path_params={**NODE, "owner": owner}))
            == 400
        )


def test_owner_groups_lose_their_rights_at_a_new_epoch(family):
    ok(claim(BOB, groupID=family))
    assert write(BOB) == 200
    ok(call("report_factory_reset", claims=THING, path_params=NODE))  # the node was reset
    ok(claim(CAROL, userID="u-3"))  # a new owner, a new epoch
    assert node().current_owner_groups == () and params(BOB) == 404 and write(CAROL) == 200
    assert check(BOB, f"group:{family}") == 404
