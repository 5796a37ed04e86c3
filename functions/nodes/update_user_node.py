"""PUT /v1/user/nodes?node_id= `{"tags": [...]}` and / or `{"metadata": {...} | null}` — add tags,
merge metadata, or delete it all (esp-rainmaker-cli `node add-tags`, `node set-metadata`,
`node delete-metadata`; the rules are `domain.node_details`'s). The CLI judges success by
`status == "success"`; the answer also carries the node's tags and metadata as written."""

from nodeshare.domain.node_details import DetailsChange, change_node_details
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("update_user_node")
def update_user_node(request: Request):
    body = request.body()
    metadata = body.get("metadata")
    change = DetailsChange(
        add_tags=tuple(body.get("tags") or ()),
        metadata_patch=metadata,
        clear_metadata="metadata" in body and metadata is None,
    )
    node = change_node_details(request.principal, request.node_id(), change, request.now)
    return success("Node updated", node_id=node.node_id, tags=list(node.tags), metadata=node.metadata)


handler = update_user_node
