"""POST /v1/user/node_group `{group_name, description?, custom_data?, mutually_exclusive?, type?,
nodes?, parent_group_id?, is_matter?}` — esp-rainmaker-cli `group add`."""

from nodeshare.domain.node_groups import create_node_group as create
from nodeshare.http.endpoint import endpoint
from nodeshare.http.node_groups import group_fields
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("create_node_group")
def create_node_group(request: Request):
    body = request.body()
    group = create(request.principal, group_fields(body), body.get("nodes") or [], request.now)
    return success("Group created successfully", group_id=group.group_id)


handler = create_node_group
