"""GET /v1/user/node_group[?group_id=[&node_list=true|&node_details=true]][&sub_groups=true]
[&start_id=&num_records=] — esp-rainmaker-cli `group list`, `group show` and `group list-nodes`:
always `{"groups": [...]}` (one entry for `group_id`)."""

from typing import Any

from nodeshare.domain.node_groups import list_node_groups, show_node_group
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import node_details, node_group, page_limit


@endpoint("get_node_groups")
def get_node_groups(request: Request):
    sub_groups = request.query_bool("sub_groups")
    group_id = request.query_group_id(required=False)
    if group_id is None:
        groups, next_id = list_node_groups(
            request.principal, request.query_group_id("start_id", required=False), page_limit(request),
            sub_groups=sub_groups,
        )  # fmt: skip
        body: dict[str, Any] = {
            "groups": [node_group(group, children if sub_groups else None) for group, children in groups],
            "total": len(groups),
        }
        if next_id:
            body["next_id"] = next_id
        return body
    with_details = request.query_bool("node_details")
    view = show_node_group(
        request.principal, group_id, with_nodes=with_details, sub_groups=sub_groups, now=request.now
    )
    shown = node_group(view.group, view.sub_groups if sub_groups else None)
    shown["total"] = len(view.node_ids)
    if with_details:
        shown["node_details"] = [node_details(user_node) for user_node in view.nodes]
    else:
        shown["nodes"] = view.node_ids
    return {"groups": [shown]}


handler = get_node_groups
