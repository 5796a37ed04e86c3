"""PUT /v1/user/node_group?group_id= `{group_name?, …, nodes?, operation?}` — esp-rainmaker-cli
`group edit`, `group add-nodes` and `group remove-nodes` (the owner)."""

from nodeshare.domain.node_groups import edit_node_group as edit
from nodeshare.http.endpoint import endpoint
from nodeshare.http.node_groups import group_fields
from nodeshare.http.request import Request
from nodeshare.http.shapes import node_group, success


@endpoint("edit_node_group")
def edit_node_group(request: Request):
    body = request.body()
    group_id = request.query_group_id()
    nodes = body.get("nodes") or []
    group = edit(request.principal, group_id, group_fields(body), nodes, body.get("operation"), request.now)
    return success("Group updated successfully", group=node_group(group))


handler = edit_node_group
