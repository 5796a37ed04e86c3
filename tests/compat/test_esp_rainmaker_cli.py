"""The real `esp-rainmaker-cli` 1.14.1 against the local stack, unchanged (SPEC §3.1).

Each test runs CLI commands as subprocesses and checks what the CLI *printed*: the CLI exits 0 on
almost every failure, so the exit code alone proves nothing. Two CLI profiles (two HOMEs) log in once
for the whole module: the owner, who claims nodes through the API, and a stranger who owns nothing.
Every test registers its own nodes, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compat.rainmaker_cli import (
    PROFILE,
    RainMakerCli,
    decode_jwt_claims,
    describe,
    json_output,
    plain,
)
from tests.e2e.test_accounts import mailed_code
from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, PASSWORD, Api, Caller, unique_node_id
from tests.support.local_stack import RunningStack

SESSION_EXPIRED = "Previous Session expired. Initialising new session..."
POWER_ON = '{"Light": {"Power": true}}'


@dataclass
class CliSession:
    """A CLI profile logged in as `user`, with the output of the commands that set it up."""

    cli: RainMakerCli
    user: Caller
    profile_add: subprocess.CompletedProcess[str]
    login: subprocess.CompletedProcess[str]


def log_in_cli(
    make_cli: Callable[[str], RainMakerCli], url: str, user: Caller, name: str, *, as_shipped: bool = False
) -> CliSession:
    cli = make_cli(name)
    added = cli.profile_add(url)
    assert added.returncode == 0, describe(added)
    login = cli.login(user.user_name or "", PASSWORD, as_shipped=as_shipped)
    assert "Login successful!" in login.stdout, describe(login)
    return CliSession(cli, user, added, login)


@pytest.fixture(scope="module")
def owner(api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]) -> CliSession:
    """Logged in by the CLI's console script exactly as shipped (its 3 s banner pause included),
    once in the suite; every other login leaves the pause out (`RainMakerCli.login`)."""
    return log_in_cli(make_cli, local_stack.url, api.user("owner"), "owner", as_shipped=True)


@pytest.fixture(scope="module")
def stranger(api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]) -> CliSession:
    """A second user in a second HOME; never claims or is given any node."""
    return log_in_cli(make_cli, local_stack.url, api.user("stranger"), "stranger")


def api_params(caller: Caller, node_id: str) -> Any:
    response = caller.get("/v1/user/nodes/params", params={"nodeid": node_id})
    assert response.status_code == 200, response.text
    return response.json()


def api_node_ids(caller: Caller) -> list[str]:
    response = caller.get("/v1/user/nodes")
    assert response.status_code == 200, response.text
    return response.json()["nodes"]


def listed_node_ids(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ids `getnodes` printed as `1. <id>`, `2. <id>`, ... (checking the numbering)."""
    entries = [re.fullmatch(r"(\d+)\. (\S+)", line) for line in result.stdout.splitlines()]
    assert all(entries), describe(result)
    assert [int(entry[1]) for entry in entries if entry] == list(range(1, len(entries) + 1)), describe(result)
    return [entry[2] for entry in entries if entry]


def setparams_failure(result: subprocess.CompletedProcess[str]) -> str:
    """The failure text `setparams` printed: per-node on stdout, or an HTTP error on stderr."""
    assert "updated successfully" not in result.stdout, describe(result)
    failures = [line for line in result.stdout.splitlines() if line.startswith("Failed to update node:")]
    failures += [line for line in result.stderr.splitlines() if line.startswith("[ERROR]:")]
    assert failures, f"setparams printed no failure\n{describe(result)}"
    return "\n".join(failures)


def expired_copy(access_token: str) -> str:
    """The same token with `exp` moved into the past, encoded the way the CLI decodes it.

    The CLI only decodes the payload (standard base64) to compare `exp` with the clock; once it sees
    an expired token it refreshes before sending anything, so the server never receives this copy.
    """
    header, _, signature = access_token.split(".")
    claims = decode_jwt_claims(access_token)
    claims["exp"] = int(time.time()) - 60
    payload = base64.b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{signature}"


# --- profile and login -----------------------------------------------------------------------------


def test_profile_add_creates_custom_profile_for_the_local_stack(owner: CliSession, local_stack: RunningStack):
    """`profile add local --base-url URL` confirms the profile and stores URL + /v1/ as its host."""
    # Given the owner's CLI ran `profile add local --base-url <stack url>` (in the module fixture)
    result = owner.profile_add

    # Then it printed the confirmation line with the URL as typed
    assert f"Created custom profile '{PROFILE}' with base URL '{local_stack.url}'" in result.stdout, describe(
        result
    )
    assert "[ERROR]" not in result.stderr, describe(result)
    # And every API call of that profile goes to <url>/v1/
    profiles = json.loads((owner.cli.profiles_dir / "profiles.json").read_text())
    assert profiles["custom_profiles"][PROFILE]["host"] == local_stack.url.rstrip("/") + "/v1/"


def test_login_succeeds_and_stores_jwt_tokens_the_cli_can_decode(owner: CliSession):
    """`login --user_name U --password P` prints `Login successful!` and keeps tokens the CLI can use.

    The CLI decodes the tokens itself: the access token's `exp` before each command, and the ID
    token's `custom:user_id` (for `removenode`) and `email` (for `profile current`).
    """
    # Given the owner's CLI logged in through the local profile (in the module fixture)
    result = owner.login

    # Then the CLI reported success on the local profile
    assert "Login successful!" in result.stdout.splitlines(), describe(result)
    assert f"Current selected profile is {PROFILE}." in plain(result.stdout), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And the stored tokens carry the claims the CLI reads
    tokens = owner.cli.tokens()
    assert tokens["refreshtoken"]
    assert decode_jwt_claims(tokens["accesstoken"])["exp"] > time.time()
    id_claims = decode_jwt_claims(tokens["idtoken"])
    assert id_claims["custom:user_id"] == owner.user.user_id
    assert id_claims["email"] == owner.user.user_name

    # When the profile is inspected
    current = owner.cli.run("profile", "current")

    # Then it shows the user as logged in
    assert f"Login status: Logged in as {owner.user.user_name}" in current.stdout, describe(current)


def test_getuserinfo_prints_the_users_id_and_email(owner: CliSession):
    """`getuserinfo` prints the logged-in user's id and e-mail from `GET /v1/user`."""
    # When the owner asks who they are
    result = owner.cli.run("getuserinfo")

    # Then the CLI prints the user's id and e-mail as `Key: value` lines
    lines = result.stdout.splitlines()
    assert f"User Id: {owner.user.user_id}" in lines, describe(result)
    assert f"User Name (Email): {owner.user.user_name}" in lines, describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)


# --- reading nodes ----------------------------------------------------------------------------------


def test_getnodes_lists_a_node_the_user_claimed(owner: CliSession, api: Api):
    """`getnodes` lists, numbered, a node the user claimed through the ownership API."""
    # Given the owner claimed a node
    node_id = api.owned_node(owner.user)

    # When the owner lists their nodes
    result = owner.cli.run("getnodes")

    # Then the node appears as `<n>. <node id>`, in a list numbered from 1 without duplicates
    listed = listed_node_ids(result)
    assert node_id in listed, describe(result)
    assert len(listed) == len(set(listed)), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)


def test_getnodes_for_a_user_without_nodes(stranger: CliSession):
    """`getnodes` for a user with no nodes prints the CLI's "no nodes" message, not an error."""
    # Given a user who never claimed or received a node
    # When they list their nodes
    result = stranger.cli.run("getnodes")

    # Then the CLI says so
    assert result.stdout.strip() == "User is not associated with any nodes.", describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)


def test_getnodedetails_prints_the_formatted_node(owner: CliSession, api: Api):
    """`getnodedetails <id>` prints the node's block: id, role, config info, devices and params."""
    # Given the owner claimed a node
    node_id = api.owned_node(owner.user)

    # When the owner asks for its details
    result = owner.cli.run("getnodedetails", node_id)

    # Then the formatted block shows the node, its device and its current params
    lines = [line.strip() for line in result.stdout.splitlines()]
    for expected in (
        f"1. Node ID: {node_id}",
        "Name: Light",
        "Type: Lightbulb",
        "Model: ns-light",
        "Firmware Version: 1.0",
        "Device 1:",
        "Type: esp.device.lightbulb",
        "Power: False (esp.param.power)",
        "Brightness: 10 (esp.param.brightness)",
        "Name: Light (esp.param.name)",
        "User Role: primary",
        "Is Primary: True",
    ):
        assert expected in lines, f"missing {expected!r}\n{describe(result)}"
    assert any(line.startswith("Status: Offline") for line in lines), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)


def test_getnodedetails_raw_prints_the_node_as_json(owner: CliSession, api: Api):
    """`getnodedetails <id> --raw` prints JSON with the node's id, role, config and params."""
    # Given the owner claimed a node
    node_id = api.owned_node(owner.user)

    # When the owner asks for its raw details
    details = json_output(owner.cli.run("getnodedetails", node_id, "--raw"))

    # Then the JSON holds exactly that node, with the registered config and initial params
    [node] = details["node_details"]
    assert node["id"] == node_id
    assert node["role"] == "primary"
    assert node["config"] == LIGHT_CONFIG
    assert node["params"] == LIGHT_PARAMS
    assert node["status"]["connectivity"]["connected"] is False


def test_getnodeconfig_prints_the_registered_config(owner: CliSession, api: Api):
    """`getnodeconfig <id>` prints the config the operator registered, unchanged."""
    # Given the owner claimed a node registered with the light config
    node_id = api.owned_node(owner.user)

    # When the owner asks for its config
    config = json_output(owner.cli.run("getnodeconfig", node_id))

    # Then the CLI prints exactly that config
    assert config == LIGHT_CONFIG


def test_getnodestatus_prints_connectivity(owner: CliSession, api: Api):
    """`getnodestatus <id>` prints `connectivity` with `connected` and an integer timestamp."""
    # Given the owner claimed a node that never connected
    node_id = api.owned_node(owner.user)

    # When the owner asks for its status
    status = json_output(owner.cli.run("getnodestatus", node_id))

    # Then the node is reported offline, with an integer (millisecond) timestamp
    connectivity = status["connectivity"]
    assert connectivity["connected"] is False
    assert isinstance(connectivity["timestamp"], int) and not isinstance(connectivity["timestamp"], bool)


def test_getparams_prints_the_current_params(owner: CliSession, api: Api):
    """`getparams <id>` prints the node's current params, the same document the API returns."""
    # Given the owner claimed a node with its initial params
    node_id = api.owned_node(owner.user)

    # When the owner reads its params
    params = json_output(owner.cli.run("getparams", node_id))

    # Then the CLI prints the current params
    assert params == LIGHT_PARAMS
    assert params == api_params(owner.user, node_id)


# --- writing params ---------------------------------------------------------------------------------


def test_setparams_updates_the_node(owner: CliSession, api: Api):
    """`setparams <id> --data J` reports success and the change shows in `getparams`; nothing else moves."""
    # Given the owner claimed a node whose light is off
    node_id = api.owned_node(owner.user)

    # When the owner turns the light on
    result = owner.cli.run("setparams", node_id, "--data", POWER_ON)

    # Then the CLI reports success
    assert result.stdout.strip() == "Node state updated successfully.", describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And reading the params back shows the change, with the other params untouched
    params = json_output(owner.cli.run("getparams", node_id))
    assert params == {"Light": {**LIGHT_PARAMS["Light"], "Power": True}}


@pytest.mark.parametrize(
    ("payload", "offending"),
    [
        pytest.param({"Light": {"Name": "Hacked"}}, "Name", id="read-only-param"),
        pytest.param({"Light": {"Brightness": "high"}}, "Brightness", id="wrong-type"),
        pytest.param({"Light": {"Power": True, "Colour": "red"}}, "Colour", id="unknown-param"),
        pytest.param({"Fan": {"Power": True}}, "Fan", id="unknown-device"),
    ],
)
def test_setparams_rejects_an_invalid_write_without_changing_anything(
    owner: CliSession, api: Api, payload: dict[str, Any], offending: str
):
    """A write the config forbids prints a failure naming the culprit and changes no param at all."""
    # Given the owner claimed a node with its initial params
    node_id = api.owned_node(owner.user)

    # When the owner writes something the node's config does not allow
    result = owner.cli.run("setparams", node_id, "--data", json.dumps(payload))

    # Then the CLI prints a failure that names the offending device or param
    assert offending in setparams_failure(result), describe(result)
    # And no param changed, not even the valid part of the payload
    assert json_output(owner.cli.run("getparams", node_id)) == LIGHT_PARAMS


def test_setparams_on_a_node_without_access_fails_and_changes_nothing(
    owner: CliSession, stranger: CliSession, api: Api
):
    """A user with no access to a node cannot write its params through the CLI."""
    # Given a node the owner claimed and the stranger has no access to
    node_id = api.owned_node(owner.user)

    # When the stranger tries to turn it on
    result = stranger.cli.run("setparams", node_id, "--data", POWER_ON)

    # Then the CLI prints a failure
    setparams_failure(result)
    # And the owner still sees the initial params
    assert api_params(owner.user, node_id) == LIGHT_PARAMS


# --- no enumeration ---------------------------------------------------------------------------------

COMMANDS_ON_A_NODE = [
    pytest.param(("getparams", "{node}"), id="getparams"),
    pytest.param(("getnodeconfig", "{node}"), id="getnodeconfig"),
    pytest.param(("getnodestatus", "{node}"), id="getnodestatus"),
    pytest.param(("getnodedetails", "{node}"), id="getnodedetails"),
    pytest.param(("getnodedetails", "{node}", "--raw"), id="getnodedetails-raw"),
    pytest.param(("setparams", "{node}", "--data", POWER_ON), id="setparams"),
    pytest.param(("removenode", "{node}"), id="removenode"),
]


@pytest.mark.parametrize("command", COMMANDS_ON_A_NODE)
def test_a_foreign_node_looks_exactly_like_an_unknown_node(
    owner: CliSession, stranger: CliSession, api: Api, command: tuple[str, ...]
):
    """Errors never reveal that a node someone else owns exists (SPEC §2 rule 4).

    The stranger runs the same command on the owner's node and on an id that was never registered:
    apart from the id itself, the CLI prints exactly the same error, and the owner's node is untouched.
    """
    # Given a node the owner claimed, and a node id that was never registered
    foreign = api.owned_node(owner.user)
    unknown = unique_node_id()

    # When the stranger runs the command on each
    def run_on(node_id: str) -> tuple[str, str]:
        result = stranger.cli.run(*(arg.replace("{node}", node_id) for arg in command))
        assert "[ERROR]" in result.stderr or "Failed" in result.stdout, describe(result)
        return result.stdout.replace(node_id, "<node>"), result.stderr.replace(node_id, "<node>")

    on_foreign = run_on(foreign)
    on_unknown = run_on(unknown)

    # Then both fail with identical output (the id aside)
    assert on_foreign == on_unknown
    # And the owner's node kept its owner and its params
    assert foreign in api_node_ids(owner.user)
    assert api_params(owner.user, foreign) == LIGHT_PARAMS


def test_getparams_on_a_foreign_node_prints_an_error_and_no_params(
    owner: CliSession, stranger: CliSession, api: Api
):
    """`getparams` by a user without access prints an error and none of the node's params."""
    # Given a node the owner claimed
    node_id = api.owned_node(owner.user)

    # When the stranger reads its params
    result = stranger.cli.run("getparams", node_id)

    # Then the CLI prints an error and nothing else
    assert result.stdout == "", describe(result)
    assert result.stderr.startswith("[ERROR]:"), describe(result)
    assert "Brightness" not in result.stderr, describe(result)


# --- releasing a node -------------------------------------------------------------------------------


def test_removenode_releases_the_node_for_someone_else(owner: CliSession, api: Api):
    """`removenode <id>` ends the mapping: the node leaves `getnodes` and another user can claim it."""
    # Given the owner claimed a node
    node_id = api.owned_node(owner.user)
    assert node_id in listed_node_ids(owner.cli.run("getnodes"))

    # When the owner removes it with the CLI
    result = owner.cli.run("removenode", node_id)

    # Then the CLI reports success
    assert result.stdout.strip() == f"Removed node {node_id} successfully.", describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And the node is no longer listed, nor readable by its former owner
    assert node_id not in listed_node_ids(owner.cli.run("getnodes"))
    former = owner.cli.run("getparams", node_id)
    assert former.stdout == "" and "[ERROR]" in former.stderr, describe(former)
    # And another user can claim it with its thing password
    claimer = api.user("claimer")
    claimed = api.claim(claimer, node_id)
    assert claimed.status_code == 204, claimed.text
    assert node_id in api_node_ids(claimer)


# --- session refresh --------------------------------------------------------------------------------


def test_an_expired_access_token_is_refreshed_with_the_refresh_token(
    owner: CliSession, api: Api, local_stack: RunningStack, tmp_path: Path
):
    """When the stored access token has expired, the CLI refreshes the session and the command works.

    The CLI checks `exp` locally before each command; when it has passed it calls `GET /apiversions`
    and `POST /v1/login2 {"refreshtoken": ...}`, stores the new access and ID tokens, keeps the
    refresh token, and then sends the real request with the new access token.
    """
    # Given a copy of the owner's CLI whose stored access token has expired
    node_id = api.owned_node(owner.user)
    cli = owner.cli.clone(tmp_path / "home")
    before = cli.tokens()
    cli.write_tokens({**before, "accesstoken": expired_copy(before["accesstoken"])})

    # When it reads a node's params
    result = cli.run("getparams", node_id)

    # Then the CLI announces and completes a new session, then prints the params
    lines = result.stdout.splitlines()
    assert lines[:2] == [SESSION_EXPIRED, SESSION_EXPIRED + "Success"], describe(result)
    assert json.loads("\n".join(lines[2:])) == LIGHT_PARAMS, describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And it went through the version check and the refresh-token login
    log = cli.log_text()
    assert f"{local_stack.url}/apiversions" in log
    assert f"Extend session url : {local_stack.url}/v1/login2" in log
    # And it stored fresh access and ID tokens for the same user, keeping the refresh token
    after = cli.tokens()
    assert after["refreshtoken"] == before["refreshtoken"]
    assert decode_jwt_claims(after["accesstoken"])["exp"] > time.time()
    assert decode_jwt_claims(after["idtoken"])["custom:user_id"] == owner.user.user_id

    # When the next command runs
    again = cli.run("getparams", node_id)

    # Then no refresh is needed any more
    assert SESSION_EXPIRED not in again.stdout, describe(again)
    assert json_output(again) == LIGHT_PARAMS


# --- account commands (issue 11) ------------------------------------------------------------------


def answered_after_the_mail(
    cli: RainMakerCli, args: list[str], before: str, code_of: Callable[[], str], after: str
) -> subprocess.CompletedProcess[str]:
    """Run a CLI command that prompts for a mailed code: send `before`, wait until the local stack
    has "mailed" the code (`code_of`), then send it and `after`."""
    process = subprocess.Popen(
        [str(cli.executable), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env(),
        cwd=cli.home,
        start_new_session=True,
    )
    assert process.stdin is not None
    process.stdin.write(before)
    process.stdin.flush()
    try:
        code = code_of()
        stdout, stderr = process.communicate(f"{code}\n{after}", timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_forgotpassword_resets_the_password_with_the_mailed_code(
    api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]
):
    # Given a user and a CLI on the local stack, not logged in
    user = api.user("forgetful")
    cli = make_cli("forgetful")
    assert cli.profile_add(local_stack.url).returncode == 0
    assert f"Switched to profile '{PROFILE}'" in cli.run("profile", "switch", PROFILE).stdout
    new_password = "Rem3mbered-now!"

    # When she runs forgotpassword, reads the code the stack "mailed" and chooses a new password
    result = answered_after_the_mail(
        cli,
        ["forgotpassword", user.user_name or ""],
        "",
        lambda: mailed_code(local_stack, user.user_name or "", "password reset code"),
        f"{new_password}\n{new_password}\n",
    )

    # Then the CLI says so, and she logs in with the new password only
    assert "Password changed successfully" in result.stdout, describe(result)
    assert "Login successful!" in cli.login(user.user_name or "", new_password).stdout
    old = api.anonymous.post("/v1/login2", json={"user_name": user.user_name, "password": PASSWORD})
    assert old.status_code == 401


def test_deleteuser_deletes_the_account_and_releases_its_nodes(
    api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]
):
    # Given a user logged in with the CLI, primary of a node she shares with a friend
    session = log_in_cli(make_cli, local_stack.url, api.user("leaving"), "leaving")
    user, friend = session.user, api.user("friend")
    node_id = api.owned_node(user)
    request_id = user.put("/v1/user/nodes/sharing", json={"nodes": [node_id], "user_name": friend.user_name})
    friend.put(
        "/v1/user/nodes/sharing/requests",
        json={"accept": True, "request_id": request_id.json()["request_id"]},
    )
    assert node_id in api_node_ids(friend)

    # When she runs deleteuser, confirms, enters the mailed code and types DELETE
    result = answered_after_the_mail(
        session.cli,
        ["deleteuser"],
        "y\n",
        lambda: mailed_code(local_stack, user.user_name or "", "verification code"),
        "DELETE\n",
    )

    # Then the CLI reports the deletion, her node is released at once and she cannot log in
    assert "Deletion request sent successfully" in result.stdout, describe(result)
    assert "User account deleted successfully." in result.stdout, describe(result)
    assert node_id not in api_node_ids(friend)
    assert api.claim(friend, node_id).status_code == 204
    gone = api.anonymous.post("/v1/login2", json={"user_name": user.user_name, "password": PASSWORD})
    assert gone.status_code == 401
