"""The real `esp-rainmaker-cli` 1.14.1 `sharing` commands against the local stack (SPEC §3.1, §2).

Three CLI profiles (three HOMEs) log in once for the whole module: alice claims nodes through the API
and shares them; bob and carol receive them. Each test checks what the CLI *printed*: the `sharing`
commands ignore the HTTP status, decide on the body's `status`, and print failures to stdout as
`Failure (<error_code>):  <description>`, exiting 0 either way.

Every test registers its own nodes and answers (accepts, declines or cancels) every request it sends
to bob or carol, so their lists of pending requests are empty between tests and the tests do not
depend on each other's order.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.compat.rainmaker_cli import RainMakerCli, describe, json_output
from tests.support.client import LIGHT_PARAMS, PASSWORD, Api, Caller, unique_email, unique_node_id
from tests.support.local_stack import RunningStack

POWER_ON = '{"Light": {"Power": true}}'
EXPIRES_IN_7_DAYS = "** Request will expire in 7 day(s) **"
NO_PENDING_REQUESTS = "No pending requests"
REMOVE_WARNING = ["", "Please make sure current (logged-in) user is Primary user", ""]
# `Failure (<error_code>):  <description>`: `_print_api_error` pads to 7 and puts two spaces after `:`.
FAILURE_LINE = re.compile(r"Failure \(\d+\):  \S.*")
# The CLI puts request ids into query strings unencoded (`?request_id=R`): they must be alphanumeric.
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

    def share(self, invitee: str, *node_ids: str, options: tuple[str, ...] = ()) -> str:
        """`sharing add_user`, which must succeed; the request id it printed."""
        return request_id_printed(
            self.run("sharing", "add_user", "--user", invitee, "--nodes", ",".join(node_ids), *options)
        )

    def accept(self, request_id: str) -> None:
        result = self.run("sharing", "accept", "--id", request_id)
        assert result.stdout.splitlines() == ["Success    : Request accepted"], describe(result)

    def pending(self, *options: str) -> dict[str, list[str]]:
        """The requests `sharing list_requests [options]` printed, by request id."""
        return request_blocks(self.run("sharing", "list_requests", *options))

    def sharing(self, node_id: str | None = None) -> dict[str, list[str]]:
        """The nodes `sharing list_nodes [--node N]` printed, by node id."""
        return sharing_blocks(self.run("sharing", "list_nodes", *(("--node", node_id) if node_id else ())))


@dataclass(frozen=True)
class Cast:
    alice: Member
    bob: Member
    carol: Member


@pytest.fixture(scope="module")
def cast(api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]) -> Cast:
    """Three users, each logged in through the CLI in a HOME of their own.

    Each login is a process of its own, so the three run side by side.
    """
    names = ("alice", "bob", "carol")
    users = {name: api.user(name) for name in names}
    clis = {name: make_cli(name) for name in names}
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
    """Claims every node the tests share; the primary."""
    return cast.alice


@pytest.fixture
def bob(cast: Cast) -> Member:
    return cast.bob


@pytest.fixture
def carol(cast: Cast) -> Member:
    return cast.carol


# --- reading what the CLI printed ---------------------------------------------------------------------


def request_id_printed(result: subprocess.CompletedProcess[str]) -> str:
    """The id `sharing add_user` printed after `Success`; the whole output must be the success shape."""
    lines = result.stdout.splitlines()
    assert len(lines) == 3, describe(result)
    assert lines[0] == "Adding user to share node(s)", describe(result)
    assert re.fullmatch(r"Success    : \S.*", lines[1]), describe(result)
    match = REQUEST_ID_LINE.fullmatch(lines[2])
    assert match, describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    return match[1]


def failure_printed(result: subprocess.CompletedProcess[str], *header: str) -> str:
    """The one `Failure (<code>):  <description>` line a `sharing` command printed after its header."""
    lines = result.stdout.splitlines()
    assert lines[: len(header)] == list(header), describe(result)
    assert len(lines) == len(header) + 1 and FAILURE_LINE.fullmatch(lines[-1]), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    return lines[-1]


def blocks(result: subprocess.CompletedProcess[str], header: list[str]) -> list[list[str]]:
    """The blank-line separated blocks printed after the command's header lines."""
    assert "[ERROR]" not in result.stderr, describe(result)
    assert not any(FAILURE_LINE.fullmatch(line) for line in result.stdout.splitlines()), describe(result)
    head, *rest = result.stdout.rstrip("\n").split("\n\n")
    assert head.split("\n") == header, describe(result)
    return [block.split("\n") for block in rest]


def request_blocks(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """`list_requests` output: `{request id: [its lines]}`; `{}` when it printed `No pending requests`."""
    role = "Primary" if "--primary_user" in result.args else "Secondary"
    header = ["Displaying pending requests", f"Current (logged-in) user is set as {role} user"]
    if result.stdout.splitlines() == [*header, NO_PENDING_REQUESTS]:
        return {}
    found: dict[str, list[str]] = {}
    for block in blocks(result, header):
        match = re.fullmatch(r"Request Id  : (\S+)", block[0])
        assert match and len(block) == 4, describe(result)
        found[match[1]] = block
    return found


def sharing_blocks(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """`list_nodes` output: `{node id: [its lines]}`."""
    found: dict[str, list[str]] = {}
    for block in blocks(result, ["Displaying sharing details"]):
        match = re.fullmatch(r"Node Id: (\S+)", block[0])
        assert match, describe(result)
        found[match[1]] = block
    return found


def users_of(block: list[str]) -> tuple[list[str], set[str]]:
    """(primary users, secondary users) of one `list_nodes` block."""
    assert len(block) == 3, block
    primary = re.fullmatch(r"Users  : Primary  : (.*)", block[1])
    secondary = re.fullmatch(r" {9}Secondary: (.*)", block[2])
    assert primary and secondary, block
    return primary[1].split(","), {user for user in secondary[1].split(",") if user}


def received_block(request_id: str, sharer: Member, *node_ids: str) -> list[str]:
    return [
        f"Request Id  : {request_id}",
        f"Node Id(s)  : {','.join(node_ids)}",
        f"Shared by   : {sharer.email}",
        EXPIRES_IN_7_DAYS,
    ]


def sent_block(request_id: str, invitee: str, *node_ids: str) -> list[str]:
    return [
        f"Request Id  : {request_id}",
        f"Node Id(s)  : {','.join(node_ids)}",
        f"Shared with : {invitee}",
        EXPIRES_IN_7_DAYS,
    ]


def no_access(result: subprocess.CompletedProcess[str]) -> bool:
    """`getparams` failed: nothing on stdout, an `[ERROR]:` on stderr."""
    return result.stdout == "" and result.stderr.startswith("[ERROR]:")


def listed_nodes(member: Member) -> list[str]:
    result = member.run("getnodes")
    assert "[ERROR]" not in result.stderr, describe(result)
    return [re.sub(r"^\d+\. ", "", line) for line in result.stdout.splitlines()]


def shared_with(alice: Member, api: Api, *members: Member) -> str:
    """A node alice claimed and each of `members` accepted (through the CLI)."""
    node_id = api.owned_node(alice.user)
    for member in members:
        member.accept(alice.share(member.email, node_id))
    return node_id


# --- share, list, accept ------------------------------------------------------------------------------


def test_add_user_prints_success_and_a_request_id(alice: Member, bob: Member, api: Api):
    """`sharing add_user --user U --nodes n1,n2` by the primary prints `Success` and the request id."""
    # Given two nodes alice claimed
    first, second = api.owned_node(alice.user), api.owned_node(alice.user)

    # When alice shares both with bob
    result = alice.run("sharing", "add_user", "--user", bob.email, "--nodes", f"{first},{second}")

    # Then the CLI prints the header, `Success    : <description>` and `Request Id : <id>`
    request_id = request_id_printed(result)
    # And bob has that request pending
    assert request_id in bob.pending()
    alice.run("sharing", "cancel", "--id", request_id)


def test_list_requests_shows_a_pending_request_to_both_sides(
    alice: Member, bob: Member, carol: Member, api: Api
):
    """`sharing list_requests` shows bob what alice sent him, and `--primary_user` shows alice what she
    sent: the id, the node ids in the order sent, the other party and a 7-day expiry. `--id R` shows
    that one request to either party, and only to them."""
    # Given alice shared two nodes with bob
    first, second = api.owned_node(alice.user), api.owned_node(alice.user)
    request_id = alice.share(bob.email, first, second)

    # When bob lists the requests he received
    received = bob.pending()

    # Then he sees exactly that one, shared by alice, expiring in 7 days
    assert received == {request_id: received_block(request_id, alice, first, second)}

    # When alice lists the requests she sent
    sent = alice.pending("--primary_user")

    # Then she sees it as shared with bob
    assert sent[request_id] == sent_block(request_id, bob.email, first, second)

    # When each asks for that request by id
    # Then each sees it from their own side
    assert bob.pending("--id", request_id) == received
    assert alice.pending("--primary_user", "--id", request_id) == {request_id: sent[request_id]}
    # And a third user learns nothing about it
    result = carol.run("sharing", "list_requests", "--id", request_id)
    failure_printed(
        result, "Displaying pending requests", "Current (logged-in) user is set as Secondary user"
    )
    assert first not in result.stdout and alice.email not in result.stdout, describe(result)
    alice.run("sharing", "cancel", "--id", request_id)


def test_accept_gives_the_invitee_read_and_write_access(alice: Member, bob: Member, api: Api):
    """`sharing accept --id R` by the invitee prints `Success`; the request stops being pending, the
    nodes show in bob's `getnodes`, and bob reads and writes params as an `rw` secondary."""
    # Given alice shared two nodes with bob, who has no access yet
    first, second = api.owned_node(alice.user), api.owned_node(alice.user)
    request_id = alice.share(bob.email, first, second)
    assert no_access(bob.run("getparams", first))

    # When bob accepts
    result = bob.run("sharing", "accept", "--id", request_id)

    # Then the CLI prints `Success    : <description>`
    assert re.fullmatch(r"Success    : \S.*\n", result.stdout), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And the request is no longer pending on either side
    listed = bob.run("sharing", "list_requests")
    assert listed.stdout.splitlines() == [
        "Displaying pending requests",
        "Current (logged-in) user is set as Secondary user",
        NO_PENDING_REQUESTS,
    ], describe(listed)
    assert request_id not in alice.pending("--primary_user")
    # And bob's nodes include both
    assert {first, second} <= set(listed_nodes(bob))
    # And bob reads the params
    assert json_output(bob.run("getparams", first)) == LIGHT_PARAMS

    # When bob turns the light on
    written = bob.run("setparams", first, "--data", POWER_ON)

    # Then the write succeeds, and alice sees the change
    assert written.stdout.strip() == "Node state updated successfully.", describe(written)
    assert "[ERROR]" not in written.stderr, describe(written)
    assert json_output(alice.run("getparams", first)) == {"Light": {**LIGHT_PARAMS["Light"], "Power": True}}


# --- sharing details ------------------------------------------------------------------------------------


def test_list_nodes_shows_the_primary_and_the_secondaries(
    alice: Member, bob: Member, carol: Member, api: Api
):
    """`sharing list_nodes [--node N]` shows the primary everyone; a plain secondary sees only the
    primary and itself, the primary sees every secondary."""
    # Given a node alice shared with bob and with carol, who both accepted
    node_id = shared_with(alice, api, bob, carol)

    # When alice lists the node's sharing
    mine = alice.sharing(node_id)

    # Then she is the primary and both are secondaries
    assert list(mine) == [node_id]
    assert mine[node_id][0] == f"Node Id: {node_id}"
    assert users_of(mine[node_id]) == ([alice.email], {bob.email, carol.email})
    # And the listing of all her nodes holds the same block
    assert alice.sharing()[node_id] == mine[node_id]

    # When bob, a plain secondary, lists it
    # Then he sees alice as primary and only himself as secondary
    seen_by_bob = bob.sharing(node_id)
    assert seen_by_bob == {
        node_id: [
            f"Node Id: {node_id}",
            f"Users  : Primary  : {alice.email}",
            f"         Secondary: {bob.email}",
        ]
    }
    # And his listing of all his nodes shows the same
    assert bob.sharing()[node_id] == seen_by_bob[node_id]


def test_list_nodes_with_one_secondary_prints_the_exact_block(alice: Member, bob: Member, api: Api):
    """With one secondary, `sharing list_nodes --node N` prints exactly the CLI's block for alice."""
    # Given a node alice shared with bob, who accepted
    node_id = shared_with(alice, api, bob)

    # When alice lists the node's sharing
    result = alice.run("sharing", "list_nodes", "--node", node_id)

    # Then the CLI prints the node, its primary and its secondary
    assert result.stdout == (
        f"Displaying sharing details\n\nNode Id: {node_id}\n"
        f"Users  : Primary  : {alice.email}\n         Secondary: {bob.email}\n"
    ), describe(result)


# --- decline, cancel ----------------------------------------------------------------------------------


def test_decline_leaves_the_node_inaccessible(alice: Member, bob: Member, api: Api):
    """`sharing decline --id R` prints `Success`; the request stops being pending and cannot be
    accepted afterwards, and the node stays out of reach of the decliner."""
    # Given alice shared a node with bob
    node_id = api.owned_node(alice.user)
    request_id = alice.share(bob.email, node_id)

    # When bob declines
    result = bob.run("sharing", "decline", "--id", request_id)

    # Then the CLI prints `Success    : <description>`
    assert re.fullmatch(r"Success    : \S.*\n", result.stdout), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And the request is pending on neither side
    assert request_id not in bob.pending()
    assert request_id not in alice.pending("--primary_user")
    # And bob cannot read the node
    assert no_access(bob.run("getparams", node_id))
    assert node_id not in listed_nodes(bob)

    # When bob tries to accept it after all
    # Then the CLI prints a failure and bob still has no access
    failure_printed(bob.run("sharing", "accept", "--id", request_id))
    assert no_access(bob.run("getparams", node_id))


def test_cancel_by_the_requester_withdraws_the_request(alice: Member, bob: Member, api: Api):
    """`sharing cancel --id R` by the requester prints `Success`; bob can no longer see or accept it."""
    # Given alice shared a node with bob
    node_id = api.owned_node(alice.user)
    request_id = alice.share(bob.email, node_id)

    # When alice cancels it
    result = alice.run("sharing", "cancel", "--id", request_id)

    # Then the CLI prints its warning and `Success: <description>`
    lines = result.stdout.splitlines()
    assert lines[:4] == ["Cancelling request", *REMOVE_WARNING], describe(result)
    assert len(lines) == 5 and re.fullmatch(r"Success: \S.*", lines[4]), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And the request is pending on neither side
    assert request_id not in bob.pending()
    assert request_id not in alice.pending("--primary_user")
    # And bob can no longer accept it
    failure_printed(bob.run("sharing", "accept", "--id", request_id))
    assert no_access(bob.run("getparams", node_id))


def test_cancel_by_the_invitee_fails_like_an_unknown_request(alice: Member, bob: Member, api: Api):
    """Only the requester may cancel: the invitee's `sharing cancel` prints a failure that says no more
    than cancelling an id that does not exist, and the request stays pending."""
    # Given alice shared a node with bob
    node_id = api.owned_node(alice.user)
    request_id = alice.share(bob.email, node_id)

    # When bob (the invitee) tries to cancel it, and to cancel an id that was never issued
    header = ("Cancelling request", *REMOVE_WARNING)
    refused = failure_printed(bob.run("sharing", "cancel", "--id", request_id), *header)
    unknown_id = "0" * len(request_id)
    unknown = failure_printed(bob.run("sharing", "cancel", "--id", unknown_id), *header)

    # Then both print the same failure (the id aside)
    assert refused.replace(request_id, "<id>") == unknown.replace(unknown_id, "<id>")
    # And the request is still pending for bob
    assert bob.pending() == {request_id: received_block(request_id, alice, node_id)}
    alice.run("sharing", "cancel", "--id", request_id)


# --- removing a user --------------------------------------------------------------------------------


def test_remove_user_by_the_primary_revokes_access(alice: Member, bob: Member, api: Api):
    """`sharing remove_user --user U --nodes N` by the primary prints `Success`; U loses access at once."""
    # Given a node alice shared with bob, who reads it
    node_id = shared_with(alice, api, bob)
    assert json_output(bob.run("getparams", node_id)) == LIGHT_PARAMS

    # When alice removes bob from it
    result = alice.run("sharing", "remove_user", "--user", bob.email, "--nodes", node_id)

    # Then the CLI prints its warning and `Success: <description>`
    lines = result.stdout.splitlines()
    assert lines[:4] == ["Removing user from shared nodes", *REMOVE_WARNING], describe(result)
    assert len(lines) == 5 and re.fullmatch(r"Success: \S.*", lines[4]), describe(result)
    assert "[ERROR]" not in result.stderr, describe(result)
    # And bob can no longer read it, nor sees it among his nodes
    assert no_access(bob.run("getparams", node_id)), describe(bob.cli.history[-1])
    assert node_id not in listed_nodes(bob)
    # And alice's sharing details list no secondary
    assert users_of(alice.sharing(node_id)[node_id]) == ([alice.email], set())


def test_remove_user_by_the_secondary_itself(alice: Member, bob: Member, carol: Member, api: Api):
    """A secondary may leave a node with `sharing remove_user --user <itself>`; others keep access."""
    # Given a node alice shared with bob and carol
    node_id = shared_with(alice, api, bob, carol)

    # When carol removes herself
    result = carol.run("sharing", "remove_user", "--user", carol.email, "--nodes", node_id)

    # Then the CLI prints `Success`, carol has no access and bob keeps his
    assert re.fullmatch(r"Success: \S.*", result.stdout.splitlines()[-1]), describe(result)
    assert no_access(carol.run("getparams", node_id))
    assert json_output(bob.run("getparams", node_id)) == LIGHT_PARAMS
    assert users_of(alice.sharing(node_id)[node_id]) == ([alice.email], {bob.email})


# --- who may share what -----------------------------------------------------------------------------


def test_a_secondary_cannot_share_further(alice: Member, bob: Member, carol: Member, api: Api):
    """A plain (`rw`) secondary's `sharing add_user` prints a failure and sends no request."""
    # Given a node alice shared with bob
    node_id = shared_with(alice, api, bob)

    # When bob tries to share it with carol
    result = bob.run("sharing", "add_user", "--user", carol.email, "--nodes", node_id)

    # Then the CLI prints a failure, and carol has nothing pending
    failure_printed(result, "Adding user to share node(s)")
    assert carol.pending() == {}
    assert no_access(carol.run("getparams", node_id))


def test_sharing_with_an_unknown_email_looks_like_sharing_with_a_known_one(
    alice: Member, bob: Member, api: Api
):
    """No enumeration (SPEC §2 rule 4): `add_user` to an e-mail nobody signed up with prints the same
    `Success` and the same kind of request id as to a real user."""
    # Given a node alice claimed
    node_id = api.owned_node(alice.user)

    # When alice shares it with bob, and with an e-mail nobody signed up with
    known = alice.run("sharing", "add_user", "--user", bob.email, "--nodes", node_id)
    unknown = alice.run("sharing", "add_user", "--user", unique_email("nobody"), "--nodes", node_id)

    # Then both print `Success` and a request id of the same shape, and nothing else differs
    known_id, unknown_id = request_id_printed(known), request_id_printed(unknown)
    assert len(known_id) == len(unknown_id) and known_id != unknown_id
    assert known.stdout.replace(known_id, "<id>") == unknown.stdout.replace(unknown_id, "<id>")
    assert known.stderr == unknown.stderr
    for request_id in (known_id, unknown_id):
        alice.run("sharing", "cancel", "--id", request_id)


def test_sharing_with_oneself_fails(alice: Member, api: Api):
    """`sharing add_user` with the requester's own e-mail prints a failure and creates no request."""
    # Given a node alice claimed
    node_id = api.owned_node(alice.user)

    # When alice shares it with herself
    result = alice.run("sharing", "add_user", "--user", alice.email, "--nodes", node_id)

    # Then the CLI prints a failure, and alice has sent no request for that node
    failure_printed(result, "Adding user to share node(s)")
    assert not any(f"Node Id(s)  : {node_id}" in block for block in alice.pending("--primary_user").values())


def test_sharing_a_node_one_does_not_control_fails_like_an_unknown_node(alice: Member, bob: Member, api: Api):
    """`sharing add_user` on someone else's node prints the same failure as on a node that does not exist."""
    # Given a node bob claimed, and a node id that was never registered
    foreign, unknown = api.owned_node(bob.user), unique_node_id()

    # When alice tries to share each
    outputs = [
        failure_printed(
            alice.run("sharing", "add_user", "--user", unique_email(), "--nodes", node_id),
            "Adding user to share node(s)",
        ).replace(node_id, "<node>")
        for node_id in (foreign, unknown)
    ]

    # Then both fail the same way
    assert outputs[0] == outputs[1]


# --- transfer ---------------------------------------------------------------------------------------


def test_transfer_makes_the_invitee_primary_and_keeps_the_old_primary_as_secondary(
    alice: Member, bob: Member, api: Api
):
    """`sharing add_user --transfer --new_role secondary`, accepted with the CLI, makes bob the primary;
    alice stays on as a secondary who reads the node but can no longer share it."""
    # Given a node alice claimed
    node_id = api.owned_node(alice.user)

    # When alice offers bob the node, staying on as a secondary
    request_id = alice.share(bob.email, node_id, options=("--transfer", "--new_role", "secondary"))

    # Then bob sees the request
    assert bob.pending() == {request_id: received_block(request_id, alice, node_id)}

    # When bob accepts it
    bob.accept(request_id)

    # Then bob is the node's primary
    assert api.admin_view(node_id)["primary_user_id"] == bob.user.user_id
    # And alice still reads it, as a secondary
    assert json_output(alice.run("getparams", node_id)) == LIGHT_PARAMS
    # And both see bob as primary and alice as secondary
    expected = [
        f"Node Id: {node_id}",
        f"Users  : Primary  : {bob.email}",
        f"         Secondary: {alice.email}",
    ]
    assert bob.sharing(node_id) == {node_id: expected}
    assert alice.sharing(node_id) == {node_id: expected}
    # And bob writes params as the primary
    written = bob.run("setparams", node_id, "--data", POWER_ON)
    assert written.stdout.strip() == "Node state updated successfully.", describe(written)
    # And alice, now a plain secondary, can no longer share the node
    failure_printed(
        alice.run("sharing", "add_user", "--user", unique_email(), "--nodes", node_id),
        "Adding user to share node(s)",
    )
