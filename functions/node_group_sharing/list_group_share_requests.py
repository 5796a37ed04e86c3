"""GET /v1/user/node_group/sharing/requests[?primary_user=true][&request_id=][&start_request_id=
&start_user_name=&num_records=] — pending group share requests received (default) or sent
(esp-rainmaker-cli `group sharing list-requests`, which pages on `next_request_id`)."""

from typing import Any

from nodeshare.domain.group_sharing import list_group_share_requests as list_requests
from nodeshare.http.endpoint import endpoint
from nodeshare.http.group_sharing import group_share_request
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit


@endpoint("list_group_share_requests")
def list_group_share_requests(request: Request):
    # start_user_name is accepted for RainMaker compatibility; request ids alone order the pages.
    request.query("start_user_name")
    requests, next_id = list_requests(
        request.principal,
        sent=request.query_bool("primary_user"),
        request_id=request.query_id("request_id"),
        start_request_id=request.query_id("start_request_id"),
        limit=page_limit(request),
        now=request.now,
    )
    body: dict[str, Any] = {"sharing_requests": [group_share_request(item, request.now) for item in requests]}
    if next_id:
        body["next_request_id"] = next_id
        body["next_user_name"] = requests[-1].invitee_user_name if requests else ""
    return body


handler = list_group_share_requests
