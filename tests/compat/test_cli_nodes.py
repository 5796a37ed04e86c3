"""The real `esp-rainmaker-cli` 1.14.1 `node add-tags / remove-tags / set-metadata /
delete-metadata`, `getnodedetails`, and `sharing add_user --sub_role` / `--transfer --new_role
primary`, against the local stack (SPEC §3.1).

Two CLI profiles log in once for the module: alice claims nodes through the API; bob is shared
some. The `node` commands print their success on stdout and a refusal on stderr as
`[ERROR]:Error <doing>: Failure (<error_code>):  <description>` (they raise on a non-2xx status and
format the body), exiting 0 either way, so each test checks what was printed and what was stored.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compat.rainmaker_cli import RainMakerCli, describe, json_output
from tests.compat.test_cli_sharing import request_id_printed
from tests.support.client import PASSWORD, Api, Caller, unique_node_id
from tests.support.local_stack import RunningStack

# `HttpErrorResponse`: '{:<7} ({}):  {}'.format(status.capitalize(), error_code, description)
REFUSED = re.compile(
    r"\[ERROR\]:Error (?P<doing>[a-z ]+): Failure \((?P<code>\d+)\):  (?P<description>\S.*)\n"
)


@dataclass(frozen=True)
class Member:
    cli: RainMakerCli
    user: Caller

    @property
    def email(self) -> str:
        return self.user.user_name or ""

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli.run(*args)


@pytest.fixture(scope="module")
def members(
    api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]
) -> dict[str, Member]:
    names = ("alice", "bob")
    users = {name: api.user(name) for name in names}
    clis = {name: make_cli(name) for name in names}
    for cli in clis.values():
        added = cli.profile_add(local_stack.url)
        assert added.returncode == 0, describe(added)
    with ThreadPoolExecutor(len(names)) as pool:  # each login is a process of its own
        logins = list(pool.map(lambda name: clis[name].login(users[name].user_name or "", PASSWORD), names))
    for login in logins:
        assert "Login successful!" in login.stdout, describe(login)
    return {name: Member(clis[name], users[name]) for name in names}


@pytest.fixture
def alice(members: dict[str, Member]) -> Member:
    return members["alice"]


@pytest.fixture
def bob(members: dict[str, Member]) -> Member:
    return members["bob"]


def succeeded(result: subprocess.CompletedProcess[str], line: str) -> None:
    """The command printed exactly `line` and nothing on stderr."""
    assert result.stdout == line + "\n" and result.stderr == "", describe(result)


def refused(result: subprocess.CompletedProcess[str], doing: str) -> re.Match[str]:
    """The command printed nothing on stdout and the server's refusal on stderr."""
    assert result.stdout == "", describe(result)
    match = REFUSED.fullmatch(result.stderr)
    assert match and match["doing"] == doing, describe(result)
    return match


def detail_lines(member: Member, node_id: str) -> list[str]:
    result = member.run("getnodedetails", node_id)
    assert "[ERROR]" not in result.stderr, describe(result)
    return [line.strip() for line in result.stdout.splitlines()]


def raw_details(member: Member, node_id: str) -> dict:
    [node] = json_output(member.run("getnodedetails", node_id, "--raw"))["node_details"]
    return node


def metadata_printed(member: Member, node_id: str) -> dict | None:
    """The JSON `getnodedetails` printed after `Metadata: ` (None when it printed none)."""
    result = member.run("getnodedetails", node_id)
    found = re.search(r"\nMetadata: (\{.*?\n\})\n", result.stdout, re.DOTALL)
    return json.loads(found[1]) if found else None


def shared_with(alice: Member, bob: Member, api: Api, *options: str) -> str:
    """A node alice claimed and shared with bob (with `options`), who accepted through the CLI."""
    node_id = api.owned_node(alice.user)
    request_id = request_id_printed(
        alice.run("sharing", "add_user", "--user", bob.email, "--nodes", node_id, *options)
    )
    accepted = bob.run("sharing", "accept", "--id", request_id)
    assert accepted.stdout.splitlines() == ["Success    : Request accepted"], describe(accepted)
    return node_id


# --- tags -------------------------------------------------------------------------------------------


def test_add_tags_and_remove_tags_and_getnodedetails_prints_them(alice: Member, api: Api):
    """`node add-tags N --tags k:v,...` and `node remove-tags` print their success; `getnodedetails`
    prints the tags as `Tags: a, b`."""
    # Given a node alice claimed
    node_id = api.owned_node(alice.user)

    # When she adds two tags, then one of them again with a third
    succeeded(
        alice.run("node", "add-tags", node_id, "--tags", "location:pune, name:espressif"),
        f"Tags added to node {node_id} successfully.",
    )
    succeeded(
        alice.run("node", "add-tags", node_id, "--tags", "name:espressif,floor:2"),
        f"Tags added to node {node_id} successfully.",
    )

    # Then getnodedetails prints the three, once each, in the order added
    assert "Tags: location:pune, name:espressif, floor:2" in detail_lines(alice, node_id)
    assert raw_details(alice, node_id)["tags"] == ["location:pune", "name:espressif", "floor:2"]

    # When she removes one, and one the node never had
    succeeded(
        alice.run("node", "remove-tags", node_id, "--tags", "location:pune,never:there"),
        f"Tags removed from node {node_id} successfully.",
    )

    # Then only the others remain
    assert "Tags: name:espressif, floor:2" in detail_lines(alice, node_id)
    assert api.admin_view(node_id)["tags"] == ["name:espressif", "floor:2"]


def test_a_tag_without_a_colon_is_refused_by_the_cli_itself(alice: Member, api: Api):
    """add-tags checks `key:value` before sending anything (nodeshare accepts any tag)."""
    node_id = api.owned_node(alice.user)
    result = alice.run("node", "add-tags", node_id, "--tags", "good:tag,bad")
    assert result.stdout == "Error: Invalid tag format 'bad'. Tags must be in key:value format.\n"
    assert api.admin_view(node_id)["tags"] == []


def test_the_fifty_first_tag_is_refused_with_the_servers_reason(alice: Member, api: Api):
    node_id = api.owned_node(alice.user)
    tags = ",".join(f"t:{index}" for index in range(50))
    succeeded(
        alice.run("node", "add-tags", node_id, "--tags", tags), f"Tags added to node {node_id} successfully."
    )
    match = refused(alice.run("node", "add-tags", node_id, "--tags", "one:more"), "adding tags")
    assert match["code"] == "107001" and "at most 50 tags" in match["description"]
    assert len(api.admin_view(node_id)["tags"]) == 50


# --- metadata ---------------------------------------------------------------------------------------


def test_set_metadata_merges_and_getnodedetails_prints_it(alice: Member, api: Api, tmp_path: Path):
    """`node set-metadata N --data J` (or `--filepath F`) merges shadow-style: keys added or
    replaced, null deletes, arrays overwritten; getnodedetails prints `Metadata: <json>`."""
    # Given a node alice claimed, without metadata
    node_id = api.owned_node(alice.user)
    assert metadata_printed(alice, node_id) is None
    updated = f"Metadata updated for node {node_id} successfully."

    # When she sets metadata, then merges a change from a file
    first = {"room": {"name": "kitchen", "floor": 1}, "lamps": [1, 2], "owner": "alice"}
    succeeded(alice.run("node", "set-metadata", node_id, "--data", json.dumps(first)), updated)
    change = tmp_path / "change.json"
    change.write_text(json.dumps({"room": {"floor": None, "lights": 3}, "lamps": [9], "owner": None}))
    succeeded(alice.run("node", "set-metadata", node_id, "--filepath", str(change)), updated)

    # Then getnodedetails prints the merged document
    merged = {"room": {"name": "kitchen", "lights": 3}, "lamps": [9]}
    assert metadata_printed(alice, node_id) == merged
    assert f"\nMetadata: {json.dumps(merged, indent=2)}\n" in alice.run("getnodedetails", node_id).stdout
    assert raw_details(alice, node_id)["metadata"] == merged


def test_delete_metadata_by_key_and_all_of_it(alice: Member, api: Api):
    """`node delete-metadata N --key a,b` deletes those keys; without `--key`, everything."""
    node_id = api.owned_node(alice.user)
    document = {"region": "us", "name": "lab", "keep": {"me": True}}
    succeeded(
        alice.run("node", "set-metadata", node_id, "--data", json.dumps(document)),
        f"Metadata updated for node {node_id} successfully.",
    )

    succeeded(
        alice.run("node", "delete-metadata", node_id, "--key", "region,name"),
        f"Metadata key(s) 'region, name' deleted from node {node_id} successfully.",
    )
    assert metadata_printed(alice, node_id) == {"keep": {"me": True}}

    succeeded(
        alice.run("node", "delete-metadata", node_id),
        f"All metadata deleted from node {node_id} successfully.",
    )
    assert metadata_printed(alice, node_id) is None
    assert api.admin_view(node_id)["metadata"] == {}


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ("[1, 2]", "must be object"),
        ('{"": 1}', "non-empty"),
        ('{"a": {"b": 1e-200}}', "magnitude"),  # (NaN never leaves the CLI: requests refuses it)
        ('{"a": 1e200}', "magnitude"),
        (json.dumps({"big": "x" * 9000}), "bytes"),
    ],
)
def test_metadata_that_could_not_be_stored_is_refused_with_the_reason(
    alice: Member, api: Api, data: str, why: str
):
    node_id = api.owned_node(alice.user)
    match = refused(alice.run("node", "set-metadata", node_id, "--data", data), "updating metadata")
    assert match["code"] == "107001" and why in match["description"], match["description"]
    assert api.admin_view(node_id)["metadata"] == {}


# --- who may ----------------------------------------------------------------------------------------

NODE_COMMANDS = {
    "adding tags": ("node", "add-tags", "{node}", "--tags", "a:b"),
    "removing tags": ("node", "remove-tags", "{node}", "--tags", "a:b"),
    "updating metadata": ("node", "set-metadata", "{node}", "--data", '{"a": 1}'),
    "deleting metadata": ("node", "delete-metadata", "{node}"),
}


@pytest.mark.parametrize("doing", NODE_COMMANDS)
def test_a_plain_secondary_is_refused(alice: Member, bob: Member, api: Api, doing: str):
    """Tags and metadata need `rwp`: bob, an `rw` secondary, gets a 403 printed as a refusal."""
    node_id = shared_with(alice, bob, api)
    command = [arg.replace("{node}", node_id) for arg in NODE_COMMANDS[doing]]
    match = refused(bob.run(*command), doing)
    assert match["code"] == "107020"


@pytest.mark.parametrize("doing", NODE_COMMANDS)
def test_a_foreign_node_looks_exactly_like_an_unknown_node(alice: Member, bob: Member, api: Api, doing: str):
    foreign, unknown = api.owned_node(alice.user), unique_node_id()
    outputs = []
    for node_id in (foreign, unknown):
        result = bob.run(*(arg.replace("{node}", node_id) for arg in NODE_COMMANDS[doing]))
        assert refused(result, doing)["code"] == "107030"
        outputs.append((result.stdout, result.stderr.replace(node_id, "<node>")))
    assert outputs[0] == outputs[1]


def test_a_secondary_shared_as_primary_manages_tags_and_metadata(alice: Member, bob: Member, api: Api):
    """`sharing add_user --primary` gives `rwp`, which manages tags and metadata."""
    node_id = shared_with(alice, bob, api, "--primary")
    succeeded(
        bob.run("node", "add-tags", node_id, "--tags", "by:bob"),
        f"Tags added to node {node_id} successfully.",
    )
    succeeded(
        bob.run("node", "set-metadata", node_id, "--data", '{"by": "bob"}'),
        f"Metadata updated for node {node_id} successfully.",
    )
    lines = detail_lines(alice, node_id)
    assert "Tags: by:bob" in lines
    assert metadata_printed(alice, node_id) == {"by": "bob"}


# --- sharing add_user --sub_role, --transfer --new_role primary ---------------------------------------


def test_sub_role_is_kept_and_shown_to_the_invitee(alice: Member, bob: Member, api: Api):
    """`sharing add_user --sub_role 2` succeeds like a plain share; once bob accepts, his node
    details carry `sub_role: 2` (getnodedetails prints no sub-role; `--raw` shows it), and his role
    and level are those of any secondary."""
    node_id = shared_with(alice, bob, api, "--sub_role", "2")

    mine = raw_details(bob, node_id)
    assert (mine["sub_role"], mine["role"], mine["primary"], mine["level"]) == (2, "secondary", False, "rw")
    lines = detail_lines(bob, node_id)
    assert "User Role: secondary" in lines and "Is Primary: False" in lines
    assert "sub_role" not in raw_details(alice, node_id)


def test_sub_role_out_of_range_is_refused_by_the_cli(alice: Member, bob: Member, api: Api):
    node_id = api.owned_node(alice.user)
    result = alice.run("sharing", "add_user", "--user", bob.email, "--nodes", node_id, "--sub_role", "5")
    assert result.returncode == 2 and "invalid choice: 5" in result.stderr, describe(result)


def test_transfer_with_new_role_primary_keeps_the_old_primary_as_rwp(alice: Member, bob: Member, api: Api):
    """`sharing add_user --transfer --new_role primary`: once bob accepts he is the primary, and
    alice stays on as a secondary with `rwp` — she still manages tags."""
    node_id = shared_with(alice, bob, api, "--transfer", "--new_role", "primary")

    bobs, alices = detail_lines(bob, node_id), detail_lines(alice, node_id)
    assert "User Role: primary" in bobs and "Is Primary: True" in bobs
    assert "User Role: secondary" in alices and "Is Primary: False" in alices
    assert raw_details(alice, node_id)["level"] == "rwp"
    assert api.admin_view(node_id)["primary_user_id"] == bob.user.user_id
    succeeded(
        alice.run("node", "add-tags", node_id, "--tags", "still:managing"),
        f"Tags added to node {node_id} successfully.",
    )
    listed = bob.run("sharing", "list_nodes", "--node", node_id)
    assert listed.stdout == (
        f"Displaying sharing details\n\nNode Id: {node_id}\n"
        f"Users  : Primary  : {bob.email}\n         Secondary: {alice.email}\n"
    ), describe(listed)


def test_new_role_without_transfer_is_a_plain_share(alice: Member, bob: Member, api: Api):
    """The CLI drops `--new_role` without `--transfer`, so the share goes through as a plain one."""
    node_id = shared_with(alice, bob, api, "--new_role", "secondary")
    assert api.admin_view(node_id)["primary_user_id"] == alice.user.user_id
    assert raw_details(bob, node_id)["role"] == "secondary"


# --- provisioning (issue 9): `test --addnode`, confirmed by a node simulated here -----------------


def test_addnode_is_confirmed_by_the_node_and_getnodestatus_shows_what_it_reported(alice: Member, api: Api):
    """`test --addnode <id>` sends a mapping request with a fresh secret key and prints
    `add-user <user_id> <secret_key>` for the node; the node (simulated here with its own thing
    token) confirms it, and the CLI, polling every 5 s, prints `Confirmed`. alice is then the
    primary, and `getnodestatus` prints the connectivity the node reported."""
    node_id = api.node()
    process = subprocess.Popen(
        [str(alice.cli.executable), "test", "--addnode", node_id],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=alice.cli.env(), cwd=alice.cli.home, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            found = re.fullmatch(r"\s*add-user (\S+) (\S+)\s*", line)
            if found:
                break
        assert found, "".join(printed)
        user_id, secret_key = found.groups()
        assert user_id == alice.user.user_id
        token = api.anonymous.post(f"/v1/things/{node_id}/token", json={"thingPassword": "thing-secret-1"})
        node = Caller(api.base_url, token=f"Bearer {token.json()['access_token']}")
        confirmed = node.put(
            f"/v1/things/{node_id}/mapping", json={"user_id": user_id, "secret_key": secret_key}
        )
        assert confirmed.status_code == 204, confirmed.text
        rest, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "Checking User Node association status - Confirmed" in rest, "".join(printed) + rest + errors
    assert node.put(f"/v1/things/{node_id}/connectivity", json={"connected": True}).status_code == 204
    status = json_output(alice.run("getnodestatus", node_id))
    assert status["connectivity"]["connected"] is True and isinstance(
        status["connectivity"]["timestamp"], int
    )
