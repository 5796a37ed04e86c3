"""The local stack keeps its data in DATA_DIR (issue 12): users, nodes, params and tokens survive
`kill -9` and a clean restart; a stream record written before the stop is delivered after it; a
second stack cannot take the same folder while two on different folders run side by side; and
`--reset` starts clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_access_matrix import seed_secondary
from tests.e2e.test_revocation import association_users
from tests.support.client import Api, Caller
from tests.support.local_stack import OPERATOR_PREFIX, REPO_ROOT, RunningStack, start_local_stack, wait_for

POWER_ON = {"Light": {"Power": True}}


def test_everything_answered_survives_kill_9_and_a_clean_restart(tmp_path: Path):
    data = str(tmp_path / "data")
    # Given a stack whose stream is held back, so its records are still undelivered at the stop
    first = start_local_stack(DATA_DIR=data, STREAM_LAG_SECONDS="600")
    try:
        api = Api(first.url, first.admin_user_name, first.admin_password)
        alice, carol = api.user("alice"), api.user("carol")
        kept = api.owned_node(alice)
        written = alice.put("/v1/user/nodes/params", json=[{"node_id": kept, "payload": POWER_ON}])
        assert written.status_code == 200, written.text
        released = api.owned_node(alice)
        seed_secondary(first, released, carol, "r", epoch=1)
        assert alice.put("/v1/user/nodes/mapping", json={"node_id": released, "operation": "remove"}).ok
        assert association_users(first, released) == {carol.user_id}  # the cascade has not run
    finally:
        first.kill()  # When the stack is killed with no chance to save anything

    second = start_local_stack(DATA_DIR=data, STREAM_LAG_SECONDS="0")
    try:
        # Then alice's token from before still works, and so does her password
        same_alice = Caller(second.url, token=alice.token)
        assert same_alice.get("/v1/user").json()["user_id"] == alice.user_id
        api = Api(second.url, second.admin_user_name, second.admin_password)
        assert api.log_in(alice.user_name or "").user_id == alice.user_id
        # her node and its params are as they were answered
        params = same_alice.get(f"/v1/user/nodes/params?nodeid={kept}")
        assert params.status_code == 200 and params.json()["Light"]["Power"] is True
        assert kept in same_alice.get("/v1/user/nodes").json()["nodes"]
        # and the release's stream record, written before the kill, is delivered after it
        assert wait_for(lambda: association_users(second, released) == set(), timeout=20)
        thing = api.thing(kept)  # the thing key survived too
        assert thing.put(f"/v1/things/{kept}/params", json={"Light": {"Power": False}}).status_code == 204
    finally:
        assert second.stop() == 0
    assert not (Path(data) / "dynamodb.journal").exists(), "a clean stop folds the journal in"
    assert "Traceback" not in second.log_path.read_text(), f"see {second.log_path}"

    third = start_local_stack(DATA_DIR=data)
    try:
        api = Api(third.url, third.admin_user_name, third.admin_password)
        again = api.log_in(alice.user_name or "")
        assert again.get(f"/v1/user/nodes/params?nodeid={kept}").json()["Light"]["Power"] is False
    finally:
        assert third.stop() == 0


def test_one_folder_one_stack_and_folders_side_by_side(tmp_path: Path):
    first = start_local_stack(DATA_DIR=str(tmp_path / "one"))
    try:
        with pytest.raises(RuntimeError, match="another local stack is using DATA_DIR"):
            start_local_stack(DATA_DIR=str(tmp_path / "one"))
        beside = start_local_stack(DATA_DIR=str(tmp_path / "two"))
        try:
            for stack in (first, beside):
                api = Api(stack.url, stack.admin_user_name, stack.admin_password)
                api.user()
        finally:
            assert beside.stop() == 0
    finally:
        assert first.stop() == 0


def test_reset_starts_clean(tmp_path: Path):
    data = tmp_path / "data"
    stack = start_local_stack(DATA_DIR=str(data))
    assert stack.stop() == 0
    assert (data / "dynamodb.pickle").exists()
    environment = {**os.environ, "DATA_DIR": str(data)}
    reset = subprocess.run(
        [sys.executable, "-m", "nodeshare.local", "--reset"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "emptied" in reset.stdout
    assert not data.exists()


def test_a_generated_operator_password_is_the_same_after_a_restart(tmp_path: Path):
    data = str(tmp_path / "data")

    def printed_operator(stack: RunningStack) -> tuple[str, str]:
        log = stack.log_path
        assert wait_for(lambda: log.exists() and OPERATOR_PREFIX in log.read_text(), timeout=10)
        lines = log.read_text().splitlines()
        line = next(line for line in lines if line.startswith(OPERATOR_PREFIX))
        name, password = line[len(OPERATOR_PREFIX) :].split(" / ")
        return name.strip(), password.strip()

    first = start_local_stack(DATA_DIR=data, ADMIN_PASSWORD="")  # none given: one is generated
    try:
        name, password = printed_operator(first)
    finally:
        assert first.stop() == 0
    again = start_local_stack(DATA_DIR=data, ADMIN_PASSWORD="")
    try:
        assert printed_operator(again) == (name, password)
        Api(again.url, name, password)  # logs the operator in
    finally:
        assert again.stop() == 0
