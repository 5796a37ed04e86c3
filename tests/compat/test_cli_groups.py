"""The real `esp-rainmaker-cli` 1.14.1 `group` commands against the local stack: add, list, show,
add-nodes, list-nodes (plain and `--node-details`), remove-nodes, edit, `--sub-groups`, remove, and
the errors it prints (`Failed to <operation>: <description>`), checked on what it printed.

The group commands raise on a non-2xx status and print the body's `description`; on success they
print a header line and the response as indented JSON, or a rendered list.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from tests.compat.rainmaker_cli import RainMakerCli, describe
from tests.support.client import PASSWORD, Api, Caller
from tests.support.local_stack import RunningStack


@pytest.fixture(scope="module")
def owner(
    api: Api, local_stack: RunningStack, make_cli: Callable[[str], RainMakerCli]
) -> tuple[RainMakerCli, Caller]:
    user = api.user("grouper")
    cli = make_cli("grouper")
    assert cli.profile_add(local_stack.url).returncode == 0
    login = cli.login(user.user_name or "", PASSWORD)
    assert "Login successful!" in login.stdout, describe(login)
    return cli, user


def printed_json(result: subprocess.CompletedProcess[str], header: str) -> dict:
    """The header line, then the response as JSON (what `group add`, `edit`, `show`… print)."""
    first, _, rest = result.stdout.partition("\n")
    assert first == header and "[ERROR]" not in result.stderr, describe(result)
    return json.loads(rest)


def test_the_group_commands_round_trip(api: Api, owner: tuple[RainMakerCli, Caller]):
    cli, user = owner
    first, second, third = (api.owned_node(user) for _ in range(3))
    created = cli.run(
        "group", "add", "--name", "Home", "--description", "Upstairs", "--type", "room",
        "--custom-data", '{"floor": 1}', "--nodes", f"{first},{second}",
    )  # fmt: skip
    group_id = printed_json(created, "Group created successfully:")["group_id"]

    listed = cli.run("group", "list")
    assert listed.stdout.splitlines() == ["Groups:", f"1. Home (ID: {group_id})", "Total groups: 1"], (
        describe(listed)
    )
    shown = printed_json(cli.run("group", "show", "--group-id", group_id), "Group details:")["groups"][0]
    assert (shown["group_name"], shown["description"], shown["type"], shown["custom_data"]) == (
        "Home", "Upstairs", "room", {"floor": 1},
    )  # fmt: skip

    printed_json(
        cli.run("group", "add-nodes", "--group-id", group_id, "--nodes", third),
        "Nodes added to group successfully:",
    )
    printed_json(
        cli.run("group", "remove-nodes", "--group-id", group_id, "--nodes", first),
        "Nodes removed from group successfully:",
    )
    nodes = cli.run("group", "list-nodes", "--group-id", group_id)
    expected = sorted([second, third])
    assert nodes.stdout.splitlines() == [
        "Nodes in group:", f"1. {expected[0]}", f"2. {expected[1]}", "Total nodes: 2",
    ], describe(nodes)  # fmt: skip
    details = cli.run("group", "list-nodes", "--group-id", group_id, "--node-details")
    assert "[ERROR]" not in details.stderr and second in details.stdout and third in details.stdout, describe(
        details
    )

    printed_json(
        cli.run("group", "edit", "--group-id", group_id, "--name", "Attic"), "Group edited successfully:"
    )
    child = printed_json(
        cli.run("group", "add", "--name", "Shelf", "--parent-group-id", group_id),
        "Group created successfully:",
    )["group_id"]
    nested = cli.run("group", "list", "--sub-groups")
    assert nested.stdout.splitlines() == [
        "Groups:", f"1. Attic (ID: {group_id})", f"  1. Shelf (ID: {child})", "Total groups: 1",
    ], describe(nested)  # fmt: skip

    printed_json(cli.run("group", "remove", "--group-id", child), "Group removed successfully:")
    printed_json(cli.run("group", "remove", "--group-id", group_id), "Group removed successfully:")
    assert cli.run("group", "list").stdout.splitlines() == ["Groups:", "Total groups: 0"]


def test_refusals_print_the_description(api: Api, owner: tuple[RainMakerCli, Caller]):
    cli, _ = owner
    stranger_node = api.owned_node(api.user("stranger"))
    refused = cli.run("group", "add", "--name", "Theirs", "--nodes", stranger_node)
    assert refused.stdout.splitlines() == [f"Failed to create group: Node {stranger_node} not found"], (
        describe(refused)
    )
    missing = cli.run("group", "show", "--group-id", "NOPE")
    assert missing.stdout.splitlines() == ["Failed to get group details: Group NOPE not found"], describe(
        missing
    )
