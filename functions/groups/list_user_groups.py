"""GET /v1/user/groups[?start_id=&num_records=] — the user groups the caller owns or belongs to."""

from typing import Any

from nodeshare.domain.groups import list_groups
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, user_group


@endpoint("list_user_groups")
def list_user_groups(request: Request):
    principal = request.principal
    groups, next_id = list_groups(principal, request.query_id("start_id"), page_limit(request))
    body: dict[str, Any] = {"groups": [user_group(group, principal) for group in groups]}
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_user_groups
