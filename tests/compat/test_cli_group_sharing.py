"""The real `esp-rainmaker-cli` 1.14.1 `group sharing` commands against the local stack: `add`,
`list-requests` (both sides, and `--id`), `accept`, `decline`, `cancel`, `list` and `remove`,
between two CLI profiles, checked on exactly what the CLI printed.

The `group sharing` commands raise on a non-2xx status and print `Failed to <operation>:
<description>`; on success they print their own lines (`Status     : Success`, `Success: …`, the
request blocks, the sharing blocks). alice owns the groups (made through the API); bob receives
them. Every test answers or cancels every request it sends, so the lists start empty.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.compat.rainmaker_cli import RainMakerCli, describe, json_output
from tests.support.client import LIGHT_PARAMS, PASSWORD, Api, Caller
from tests.support.local_stack import RunningStack

EXPIRES_IN_7_DAYS = "** Request will expire in 7 day(s) **"
REQUEST_ID_LINE = re.compile(r"Request Id : ([0-9A-Za-z]+)")


@dataclass(frozen=True)
class Member:
    """A CLI profile (its own HOME) logged in as `user`."""

    cli: RainMakerCli
    user: Caller

    @property
    def email(self) -> str:
        return self.user.user_name or ""

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli.run(*args)

    def sharing(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli.run("group", "sharing", *args)

    def share(self, invitee: str, *group_ids: str, options: tuple[str, ...] = ()) -> str:
        """`group sharing add`, which must succeed; the request id it printed."""
        result = self.sharing("add", "--groups", ",".join(group_ids), "--user", invitee, *options)
        lines = result.stdout.splitlines()
        assert lines[:3] == [
            "Sharing group(s) with user",
            "Status     : Success",
            "Description: Sharing request sent successfully",
        ], describe(result)
        assert len(lines) == 4 and "[ERROR]" not in result.stderr, describe(result)
        match = REQUEST_ID_LINE.fullmatch(lines[3])
        assert match, describe(result)
        return match[1]

    def requests(self, *options: str) -> list[str]:
        """What `group sharing list-requests [options]` printed."""
        result = self.sharing("list-requests", *options)
        assert "[ERROR]" not in result.stderr, describe(result)
        return result.stdout.splitlines()


@dataclass(frozen=True)
class Cast:
    alice: Member
    bob: Member


@pytest.fixture(scope="module")
def cast(api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]) -> Cast:
    """Two users, each logged in through the CLI in a HOME of their own (side by side: each login
    is a process of its own)."""
    names = ("alice", "bob")
    users = {name: api.user(name) for name in names}
    clis = {name: make_cli(f"group-sharing-{name}") for name in names}
    for cli in clis.values():
        added = cli.profile_add(local_stack.url)
        assert added.returncode == 0, describe(added)
    with ThreadPoolExecutor(len(names)) as pool:
        logins = list(pool.map(lambda name: clis[name].login(users[name].user_name or "", PASSWORD), names))
    for login in logins:
        assert "Login successful!" in login.stdout, describe(login)
    return Cast(*(Member(clis[name], users[name]) for name in names))


@pytest.fixture
def alice(cast: Cast) -> Member:
    """Owns every group the tests share."""
    return cast.alice


@pytest.fixture
def bob(cast: Cast) -> Member:
    return cast.bob


def new_group(owner: Member, name: str, nodes: list[str]) -> str:
    response = owner.user.post("/v1/user/node_group", json={"group_name": name, "nodes": nodes})
    assert response.status_code == 200, response.text
    return str(response.json()["group_id"])


def received_lines(request_id: str, sharer: Member, group_ids: list[str], names: list[str]) -> list[str]:
    return [
        "Displaying pending group sharing requests",
        "Current (logged-in) user is set as Secondary user",
        "",
        f"Request Id     : {request_id}",
        f"Group Id(s)    : {','.join(group_ids)}",
        f"Group Name(s)  : {','.join(names)}",
        f"Shared by      : {sharer.email}",
        "Role           : secondary",
        EXPIRES_IN_7_DAYS,
    ]


def sent_lines(request_id: str, invitee: Member, group_ids: list[str], names: list[str]) -> list[str]:
    return [
        "Displaying pending group sharing requests",
        "Current (logged-in) user is set as Primary user",
        "",
        f"Request Id     : {request_id}",
        f"Group Id(s)    : {','.join(group_ids)}",
        f"Group Name(s)  : {','.join(names)}",
        f"Shared with    : {invitee.email}",
        "Role           : secondary",
        EXPIRES_IN_7_DAYS,
    ]


NO_PENDING_RECEIVED = [
    "Displaying pending group sharing requests",
    "Current (logged-in) user is set as Secondary user",
    "No pending requests",
]
NO_PENDING_SENT = [
    "Displaying pending group sharing requests",
    "Current (logged-in) user is set as Primary user",
    "No pending requests",
]


def sharing_lines(group_id: str, primary: Member, *secondary: Member) -> list[str]:
    lines = ["", f"Group Id: {group_id}", f"Users  : Primary  : {primary.email}"]
    if secondary:
        lines.append(f"         Secondary: {','.join(member.email for member in secondary)}")
    return lines


def test_share_list_accept_use_list_and_remove(api: Api, alice: Member, bob: Member):
    """The whole round: alice shares two groups, both sides list the request, bob accepts and uses
    the nodes, both list who shares the group, and alice removes bob."""
    first, second = api.owned_node(alice.user), api.owned_node(alice.user)
    home, attic = new_group(alice, "Home", [first]), new_group(alice, "Attic", [second])

    # When alice shares both groups with bob
    request_id = alice.share(bob.email, home, attic)

    # Then each side lists it, and `--id` shows it to each
    assert bob.requests() == received_lines(request_id, alice, [home, attic], ["Home", "Attic"])
    assert alice.requests("--primary-user") == sent_lines(request_id, bob, [home, attic], ["Home", "Attic"])
    assert bob.requests("--id", request_id) == bob.requests()
    assert alice.requests("--primary-user", "--id", request_id) == alice.requests("--primary-user")
    before = bob.run("getparams", first)
    assert before.stdout == "" and before.stderr.startswith("[ERROR]:"), describe(before)

    # When bob accepts
    accepted = bob.sharing("accept", "--id", request_id)
    assert accepted.stdout.splitlines() == ["Status     : Success", "Description: Request accepted"], (
        describe(accepted)
    )

    # Then the request is no longer pending, and bob reads the groups' nodes
    assert bob.requests() == NO_PENDING_RECEIVED and alice.requests("--primary-user") == NO_PENDING_SENT
    assert json_output(bob.run("getparams", first)) == LIGHT_PARAMS
    assert json_output(bob.run("getparams", second)) == LIGHT_PARAMS
    # and both list who shares the group: alice as primary, bob as secondary
    listed = alice.sharing("list", "--group-id", home)
    assert listed.stdout.splitlines() == [
        "Displaying group sharing details",
        *sharing_lines(home, alice, bob),
    ], describe(listed)
    assert bob.sharing("list", "--group-id", home).stdout == listed.stdout
    everything = bob.sharing("list", "--metadata")
    expected = sorted([home, attic])
    assert everything.stdout.splitlines() == [
        "Displaying group sharing details",
        *sharing_lines(expected[0], alice, bob),
        *sharing_lines(expected[1], alice, bob),
    ], describe(everything)

    # When alice removes bob from both groups
    removed = alice.sharing("remove", "--groups", f"{home},{attic}", "--user", bob.email)
    assert removed.stdout.splitlines() == [
        "Removing group sharing",
        "Success: User removed from the group(s)",
    ], describe(removed)
    # Then bob no longer reads the nodes, and has no shared groups
    failed = bob.run("getparams", first)
    assert failed.stdout == "" and failed.stderr.startswith("[ERROR]:"), describe(failed)
    assert bob.sharing("list").stdout.splitlines() == ["Displaying group sharing details", "No shared groups"]
    assert alice.sharing("list", "--group-id", home).stdout.splitlines() == [
        "Displaying group sharing details", *sharing_lines(home, alice),
    ]  # fmt: skip


def test_decline_and_cancel(api: Api, alice: Member, bob: Member):
    group_id = new_group(alice, "Porch", [api.owned_node(alice.user)])

    declined = alice.share(bob.email, group_id)
    result = bob.sharing("decline", "--id", declined)
    assert result.stdout.splitlines() == ["Status     : Success", "Description: Request declined"], describe(
        result
    )
    assert bob.requests() == NO_PENDING_RECEIVED
    # A declined request looked up by id is not printed (the CLI skips declined ones)
    assert bob.requests("--id", declined) == NO_PENDING_RECEIVED
    again = bob.sharing("accept", "--id", declined)
    assert again.stdout.splitlines() == [
        f"Failed to accept group sharing request: Request {declined} was already declined"
    ], describe(again)

    cancelled = alice.share(bob.email, group_id)
    result = alice.sharing("cancel", "--id", cancelled)
    assert result.stdout.splitlines() == ["Cancelling request", "Success: Request cancelled"], describe(
        result
    )
    assert bob.requests() == NO_PENDING_RECEIVED and alice.requests("--primary-user") == NO_PENDING_SENT
    late = bob.sharing("accept", "--id", cancelled)
    assert late.stdout.splitlines() == [
        f"Failed to accept group sharing request: Request {cancelled} was already cancelled"
    ], describe(late)


def test_bob_leaves_a_group_by_naming_himself(api: Api, alice: Member, bob: Member):
    node_id = api.owned_node(alice.user)
    group_id = new_group(alice, "Garage", [node_id])
    bob.sharing("accept", "--id", alice.share(bob.email, group_id))
    assert json_output(bob.run("getparams", node_id)) == LIGHT_PARAMS
    left = bob.sharing("remove", "--groups", group_id, "--user", bob.email)
    assert left.stdout.splitlines() == [
        "Removing group sharing",
        "Success: User removed from the group(s)",
    ], describe(left)
    assert bob.run("getparams", node_id).stdout == ""


def test_transfer_hands_the_group_and_its_nodes_over(api: Api, alice: Member, bob: Member):
    """`group sharing add --transfer --new-role secondary`: bob accepts and owns the group and is
    the primary of its node; alice keeps a secondary's access."""
    node_id = api.owned_node(alice.user)
    group_id = new_group(alice, "Garage", [node_id])
    request_id = alice.share(bob.email, group_id, options=("--transfer", "--new-role", "secondary"))
    received = bob.requests()
    expected = received_lines(request_id, alice, [group_id], ["Garage"])
    assert received == [*expected[:7], "Role           : primary", *expected[8:]], received
    accepted = bob.sharing("accept", "--id", request_id)
    assert accepted.stdout.splitlines() == ["Status     : Success", "Description: Request accepted"], (
        describe(accepted)
    )
    listed = bob.sharing("list", "--group-id", group_id)
    assert listed.stdout.splitlines() == ["Displaying group sharing details", *sharing_lines(group_id, bob)]
    nodes = bob.user.get(f"/v1/user/nodes/sharing?node_id={node_id}").json()["node_sharing"]
    assert nodes[0]["users"] == {"primary": [bob.email], "secondary": [alice.email]}
    assert json_output(alice.run("getparams", node_id)) == LIGHT_PARAMS


def test_refusals_print_the_description(api: Api, alice: Member, bob: Member):
    group_id = new_group(alice, "Cellar", [api.owned_node(alice.user)])
    # bob may not share alice's group, nor see it
    refused = bob.sharing("add", "--groups", group_id, "--user", alice.email)
    assert refused.stdout.splitlines() == [
        "Sharing group(s) with user", f"Failed to add group sharing: Group {group_id} not found",
    ], describe(refused)  # fmt: skip
    # Without --user (the CLI's "self-sharing") the description says what is missing
    alone = alice.sharing("add", "--groups", group_id)
    assert alone.stdout.splitlines()[0] == "Sharing group(s) with user", describe(alone)
    assert alone.stdout.splitlines()[1].startswith("Failed to add group sharing: user_name is required"), (
        describe(alone)
    )
    # --transfer of a group holding a node alice is not the primary of is refused, with its reason
    shared_node = api.owned_node(bob.user)
    assert bob.user.put(
        "/v1/user/permissions", json={"node_id": shared_node, "user_name": alice.email, "permission": "rwp"}
    ).ok
    mixed = new_group(alice, "Mixed", [shared_node])
    transfer = alice.sharing("add", "--groups", mixed, "--user", bob.email, "--transfer")
    assert transfer.stdout.splitlines()[1].startswith(
        "Failed to add group sharing: Only the primary of every node in the groups may transfer them"
    ), describe(transfer)
    # A request is its parties' alone
    request_id = alice.share(bob.email, group_id, options=("--sub-role", "2", "--metadata", '{"k": "v"}'))
    foreign = alice.sharing("accept", "--id", request_id)
    assert foreign.stdout.splitlines() == [
        f"Failed to accept group sharing request: Request {request_id} not found"
    ], describe(foreign)
    assert bob.sharing("cancel", "--id", request_id).stdout.splitlines() == [
        "Cancelling request", f"Failed to cancel group sharing request: Request {request_id} not found",
    ]  # fmt: skip
    assert alice.sharing("cancel", "--id", request_id).stdout.splitlines()[1] == "Success: Request cancelled"
    assert alice.sharing("list", "--group-id", "NOSUCHGROUP").stdout.splitlines() == [
        "Failed to list group sharing: Group NOSUCHGROUP not found"
    ]
