"""PUT /v1/user/nodes/sharing `{nodes, user_name, primary?, transfer?, new_role?, metadata?}` —
share nodes with a user (esp-rainmaker-cli `sharing add_user`)."""

from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.sharing import create_share_request


@endpoint("share_nodes")
def share_nodes(request: Request):
    return create_share_request(request, request.body())


handler = share_nodes
