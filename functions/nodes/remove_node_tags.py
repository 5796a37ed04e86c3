"""DELETE /v1/user/nodes?node_id= with the body `{"tags": [...]}` — remove tags (esp-rainmaker-cli
`node remove-tags`, which sends a DELETE with a JSON body; the rules are `domain.node_details`'s)."""

from nodeshare.domain.node_details import DetailsChange, change_node_details
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("remove_node_tags")
def remove_node_tags(request: Request):
    change = DetailsChange(remove_tags=tuple(request.body()["tags"]))
    node = change_node_details(request.principal, request.node_id(), change, request.now)
    return success("Tags removed", node_id=node.node_id, tags=list(node.tags))


handler = remove_node_tags
