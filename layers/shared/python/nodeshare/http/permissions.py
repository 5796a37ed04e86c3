"""The target of a grant, from the query: exactly one of `node_id` and `node_group`."""

from __future__ import annotations

from nodeshare.domain.permissions import Target
from nodeshare.http.request import Request
from nodeshare.model.errors import BadRequest


def query_target(request: Request) -> Target:
    node_id = request.query_node_id("node_id")
    node_group = request.query_group_id("node_group", required=False)
    if (node_id is None) == (node_group is None):
        raise BadRequest("Name exactly one of node_id and node_group")
    return Target(node_id, node_group)
