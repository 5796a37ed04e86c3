"""GET /v1/user/permission_requests[?sent=true][&request_id=][&start_request_id=&num_records=] —
pending requests to answer (default) or sent; with request_id, that one in any state."""

from typing import Any

from nodeshare.domain.permission_requests import list_permission_requests as list_requests
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, permission_request


@endpoint("list_permission_requests")
def list_permission_requests(request: Request):
    requests, next_id = list_requests(
        request.principal,
        sent=request.query_bool("sent"),
        request_id=request.query_id("request_id"),
        start_request_id=request.query_id("start_request_id"),
        limit=page_limit(request),
        now=request.now,
    )
    body: dict[str, Any] = {
        "permission_requests": [permission_request(item, request.now) for item in requests]
    }
    if next_id:
        body["next_request_id"] = next_id
    return body


handler = list_permission_requests
