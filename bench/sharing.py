"""The measured operations of node sharing: single requests at a given table size, and the requests
over k nodes (share, accept, list every node's sharing, update access, remove) for each k.

Setup, not measured: the users sign up through the API; each owner's k nodes are written straight
to the emulator as registering and claiming them would leave them (see `_owned_nodes`), and the
owner's node list is read back through the API before anything is measured.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests

from bench.counting import Cost, measuring
from bench.scenario import _local_stack, _measure
from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Caller

K_VALUES = (1, 25, 100)
SHARING = "/v1/user/nodes/sharing"
REQUESTS = "/v1/user/nodes/sharing/requests"
CLAIMED_EPOCH = 1  # a registered node is at epoch 0; its first claim moves it to 1
# Short node ids: remove_sharing takes the nodes in one query parameter of at most 1,024
# characters (MAX_QUERY_VALUE), so 100 ids fit only at 9 characters or fewer (100 * 9 + 99 commas).
NODE_ID_HEX = 8

SHARE_NEW = "share_nodes (new request)"
ACCEPT = "accept_share_request"
LIST_ALL = "list_sharing (all my nodes)"
SHARE_UPDATE = "share_nodes (update existing access)"
REMOVE = "remove_sharing"
BY_K = (SHARE_NEW, ACCEPT, LIST_ALL, SHARE_UPDATE, REMOVE)

NODES_PER_SEEDED_REQUEST = 10
_seeded_requests = 0


def _seed_requests_to(nodes: int) -> None:
    """One pending share request (header and line) per 10 seeded nodes, between seeded users, so
    the requests table grows with the others: setup, not measured. (Not one per node: moto backs
    up the whole requests table in every transaction that writes to it, seconds at 10,000 items.)"""
    global _seeded_requests
    from nodeshare import clock
    from nodeshare.store.models import LINE_PREFIX, REQUEST_HEADER, RequestModel

    now, count = clock.now(), max(1, nodes // NODES_PER_SEEDED_REQUEST)
    with RequestModel.batch_write() as batch:  # 25 items per BatchWriteItem
        for index in range(_seeded_requests, count):
            request_id, node_id = f"seedrequest{index:06d}", f"seed{index:06d}"
            requester, invitee = f"seed-user-{index % 997}", f"seed-user-{(index + 7) % 991 + 1}"
            expires_at = now + 7 * 24 * 3600
            batch.save(RequestModel(
                request_id, REQUEST_HEADER, kind="share", status="pending", requester_user_id=requester,
                requester_user_name=f"{requester}@seed", invitee_user_name=f"{invitee}@seed",
                invitee_user_id=invitee, node_epochs={node_id: 1}, level="rw", transfer=False,
                metadata={}, created_at=now, expires_at=expires_at, pending_invitee=invitee,
                pending_requester=requester,
            ))  # fmt: skip
            batch.save(
                RequestModel(request_id, f"{LINE_PREFIX}{node_id}", node_id=node_id, epoch=1,
                             expires_at=expires_at)
            )  # fmt: skip
    _seeded_requests = max(_seeded_requests, count)


def _owned_nodes(owner: Caller, count: int) -> list[str]:
    """`count` nodes registered and claimed by `owner`, as `register_node` and `claim_node` leave
    them: the node item (hashed secret, initial params, default scopes) and its config item, at
    epoch 1 with the owner as `primary_user_id`, and the owner's primary `rwp` association at that
    same epoch.
    Written in batches straight to the emulator (a claim through the API costs about 1.5 s at the
    large size, in moto), then read back through the API."""
    from nodeshare import clock
    from nodeshare.domain.params import initial_params
    from nodeshare.domain.scopes import default_node_scopes
    from nodeshare.domain.secrets import hash_secret
    from nodeshare.model.entities import Role
    from nodeshare.model.levels import Level
    from nodeshare.store.models import AssociationModel, NodeConfigModel, NodeModel

    now, secret_hash = clock.now(), hash_secret("bench-secret")
    params = initial_params(LIGHT_CONFIG, LIGHT_PARAMS)
    node_ids = sorted(f"k{uuid.uuid4().hex[:NODE_ID_HEX]}" for _ in range(count))
    with (
        NodeModel.batch_write() as nodes,
        NodeConfigModel.batch_write() as configs,
        AssociationModel.batch_write() as associations,
    ):
        for node_id in node_ids:
            configs.save(NodeConfigModel(node_id, config=LIGHT_CONFIG))
            nodes.save(NodeModel(
                node_id, name="Light", type="Lightbulb", secret_hash=secret_hash,
                params=params, tags=[], scopes=default_node_scopes(), epoch=CLAIMED_EPOCH,
                primary_user_id=owner.user_id, created_at=now,
            ))  # fmt: skip
            associations.save(AssociationModel(
                node_id, owner.user_id, user_name=owner.user_name, role=Role.PRIMARY.value,
                level=Level.READ_WRITE_PERMISSION.value, epoch=CLAIMED_EPOCH, created_at=now,
            ))  # fmt: skip
    listed = owner.get("/v1/user/nodes?node_details=true&num_records=100").json()
    mine = {node["id"]: node for node in listed["node_details"]}
    assert sorted(mine) == node_ids and listed["total"] == count, listed
    assert all(node["primary"] for node in mine.values()), listed
    return node_ids


def _cost(call: Any, expect: int) -> tuple[Cost, requests.Response]:
    cost = Cost()
    with measuring(cost):
        response = call()
    assert response.status_code == expect, (response.status_code, response.text)
    return cost, response


def _share(owner: Caller, nodes: list[str], invitee: Caller, **options: Any) -> requests.Response:
    return owner.put(SHARING, json={"nodes": nodes, "user_name": invitee.user_name, **options})


def _measure_requests(costs: dict[str, Cost], owner: Caller, invitee: Caller, nodes: list[str]) -> None:
    """Listing, declining and cancelling requests: k does not enter (the header alone is read)."""
    # Three different requests: the same content again would be the same request (an idempotent
    # create, `store.requests.write_once`).
    pending, declined, cancelled = (
        _share(owner, nodes, invitee, metadata={"n": n}).json()["request_id"] for n in range(3)
    )
    received = _measure(costs, "list_share_requests (received)", lambda: invitee.get(REQUESTS), 200)
    assert {pending, declined, cancelled} <= {
        item["request_id"] for item in received.json()["sharing_requests"]
    }
    sent = _measure(
        costs, "list_share_requests (sent)", lambda: owner.get(f"{REQUESTS}?primary_user=true"), 200
    )
    assert len(sent.json()["sharing_requests"]) == 3, sent.text
    _measure(
        costs,
        "list_share_requests (request_id)",
        lambda: invitee.get(f"{REQUESTS}?request_id={pending}"),
        200,
    )
    answer = {"accept": False, "request_id": declined}
    _measure(costs, "decline_share_request", lambda: invitee.put(REQUESTS, json=answer), 200)
    _measure(costs, "cancel_share_request", lambda: owner.delete(f"{REQUESTS}?request_id={cancelled}"), 200)


def _measure_by_k(
    by_k: dict[str, dict[int, Cost]],
    single: dict[str, Cost],
    owner: Caller,
    invitee: Caller,
    nodes: list[str],
) -> None:
    k = len(nodes)
    by_k[SHARE_NEW][k], shared = _cost(lambda: _share(owner, nodes, invitee), 200)
    answer = {"accept": True, "request_id": shared.json()["request_id"]}
    by_k[ACCEPT][k], accepted = _cost(lambda: invitee.put(REQUESTS, json=answer), 200)
    assert sorted(accepted.json()["node_ids"]) == nodes, accepted.text
    if k == 1:
        _measure(single, "list_sharing (node_id)", lambda: owner.get(f"{SHARING}?node_id={nodes[0]}"), 200)
    by_k[LIST_ALL][k], listed = _cost(lambda: owner.get(SHARING), 200)
    sharing = listed.json()["node_sharing"]
    assert sorted(item["node_id"] for item in sharing) == nodes, listed.text
    assert all(item["users"]["secondary"] == [invitee.user_name] for item in sharing), listed.text
    # The invitee has access to all k nodes: sharing again changes its level, with no request.
    by_k[SHARE_UPDATE][k], updated = _cost(lambda: _share(owner, nodes, invitee, primary=True), 200)
    request_id = updated.json()["request_id"]
    assert invitee.get(f"{REQUESTS}?request_id={request_id}").status_code == 404, "a request was made"
    removal = f"{SHARING}?nodes={','.join(nodes)}&user_name={invitee.user_name}"
    by_k[REMOVE][k], _ = _cost(lambda: owner.delete(removal), 200)
    assert invitee.get(f"/v1/user/nodes/params?nodeid={nodes[-1]}").status_code == 404


def measure_sharing(size: int, ks: tuple[int, ...]) -> tuple[dict[str, Cost], dict[str, dict[int, Cost]]]:
    """(single-size operations, {operation: {k: cost}}) with about `size` nodes in the tables
    (`scenario.measure_operations(size)` seeds the nodes first)."""
    _, api = _local_stack()
    _seed_requests_to(size)
    invitee = api.user("bench-invitee")
    single: dict[str, Cost] = {}
    by_k: dict[str, dict[int, Cost]] = {name: {} for name in BY_K}
    for k in ks:
        owner = api.user("bench-owner")
        nodes = _owned_nodes(owner, k)
        if k == 1:  # before the invitee has access, so that sharing makes requests
            _measure_requests(single, owner, invitee, nodes)
        _measure_by_k(by_k, single, owner, invitee, nodes)
    return single, by_k
