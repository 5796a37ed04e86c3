"""PUT /v1/things/{node_id}/mapping {user_id, secret_key} — the node confirms a user's mapping
request with the key the app gave it (thing token) -> 204 (`domain.mappings`)."""

from nodeshare.domain.mappings import confirm_mapping
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("confirm_node_mapping")
def confirm_node_mapping(request: Request):
    body = request.body()
    confirm_mapping(request.thing, request.path["node_id"], body["user_id"], body["secret_key"], request.now)
    return no_content()


handler = confirm_node_mapping
