"""GET /v1/user/nodes/params/history?node_id=[&from=&to=][&start_id=&num_records=] — one page of
the node's params archive, newest first: `{"history": [...], "next_id"?}` (see `domain.archive`)."""

from typing import Any

from nodeshare.domain.archive import history
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import archive_record, page_limit


@endpoint("list_params_history")
def list_params_history(request: Request):
    page = history(
        request.principal,
        request.node_id(),
        from_ms=request.query_time_ms("from"),
        to_ms=request.query_time_ms("to"),
        start_id=request.query_id("start_id"),
        limit=page_limit(request),
        now=request.now,
    )
    body: dict[str, Any] = {"history": [archive_record(record) for record in page.records]}
    if page.next_id:
        body["next_id"] = page.next_id
    return body


handler = list_params_history
