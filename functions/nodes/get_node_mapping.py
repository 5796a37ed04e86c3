"""GET /v1/user/nodes/mapping?request_id= — `{"request_id", "request_status"}`: requested,
confirmed, timedout or discarded (`domain.mappings`); someone else's request is a 404."""

from nodeshare.domain.mappings import mapping_status
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("get_node_mapping")
def get_node_mapping(request: Request):
    request_id = request.query_id("request_id", required=True) or ""
    status = mapping_status(request.principal, request_id, request.now)
    return success("Mapping request status", request_id=request_id, request_status=status.value)


handler = get_node_mapping
