"""The thing-token exchange (issue 9) against moto: wrong passwords are limited per address and
per node, and a stranger guessing never locks the device (another address, the right password)
out of its token."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import OPERATOR, call

CONFIG = {"info": {}, "devices": [{"name": "Light", "params": [{"name": "Power", "data_type": "bool"}]}]}
ATTACKER, DEVICE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def nodes(aws) -> list[str]:
    ids = [f"n{index}" for index in range(4)]
    for node_id in ids:
        body = {
            "node_id": node_id,
            "name": "Light",
            "type": "t",
            "secret": "right-password",
            "config": CONFIG,
        }
        assert call("register_node", claims=OPERATOR, body=json.dumps(body))["statusCode"] == 201
    return ids


def exchange(node_id: str, password: str, source_ip: str) -> int:
    body = json.dumps({"thingPassword": password})
    answer = call("issue_thing_token", body=body, path_params={"node_id": node_id}, source_ip=source_ip)
    return answer["statusCode"]


def test_a_guesser_is_held_off_but_the_device_still_gets_its_token(nodes):
    from nodeshare.domain.devices import MAX_FAILURES_PER_NODE

    node_id = nodes[0]
    answers = [exchange(node_id, f"guess-{index}", ATTACKER) for index in range(MAX_FAILURES_PER_NODE + 1)]
    assert answers == [404] * MAX_FAILURES_PER_NODE + [429]
    assert exchange(node_id, "right-password", ATTACKER) == 429  # the guesser's address is held off
    assert exchange(node_id, "right-password", DEVICE) == 200  # the device is not


def test_one_address_guessing_across_nodes_is_held_off(nodes):
    from nodeshare.domain.devices import MAX_FAILURES_PER_ADDRESS

    answers = [
        exchange(nodes[index % 4], f"guess-{index}", ATTACKER) for index in range(MAX_FAILURES_PER_ADDRESS)
    ]
    assert set(answers) == {404}
    assert exchange(nodes[3], "right-password", ATTACKER) == 429
    assert exchange(nodes[3], "right-password", DEVICE) == 200
