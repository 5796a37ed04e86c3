"""`AWS_ENDPOINT_URL`: the local stack uses an external emulator instead of its embedded one,
creates its tables and pool there, and reuses them when it starts again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.client import PASSWORD, Api, unique_email
from tests.support.local_stack import free_port, start_local_stack


@pytest.fixture(scope="module")
def external_emulator() -> Iterator[str]:
    port = free_port()
    moto_server = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


def test_the_stack_runs_on_an_external_emulator_and_keeps_its_state(external_emulator: str):
    # Given a local stack started against an external emulator
    stack = start_local_stack(AWS_ENDPOINT_URL=external_emulator)
    try:
        assert stack.emulator_endpoint == external_emulator
        api = Api(stack.url, stack.admin_user_name, stack.admin_password)
        user_name = unique_email()
        assert (
            api.anonymous.post("/v1/user", json={"user_name": user_name, "password": PASSWORD}).status_code
            == 200
        )
        alice = api.log_in(user_name)
        node_id = api.owned_node(alice)
        # Then its tables live in that emulator
        tables = stack.aws("dynamodb").list_tables()["TableNames"]
        assert {"nodeshare-nodes", "nodeshare-associations", "nodeshare-users", "nodeshare-requests"} <= set(
            tables
        )
    finally:
        # Ctrl-C stops it cleanly too
        assert stack.stop(signal.SIGINT) == 0

    # When it starts again on the same emulator, the pool, the account and the node are still there
    again = start_local_stack(AWS_ENDPOINT_URL=external_emulator)
    try:
        api = Api(again.url, again.admin_user_name, again.admin_password)
        alice = api.log_in(user_name)
        assert alice.get("/v1/user/nodes").json()["nodes"] == [node_id]
    finally:
        assert again.stop() == 0
