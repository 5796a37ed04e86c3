"""GET /v1/things/{node_id}/params?since=<epoch ms> — what users wrote since then, merged:
`{"params", "next_since", "more"}` (thing token)."""

from nodeshare.domain.devices import desired_params
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_desired_params")
def get_desired_params(request: Request):
    since = request.query_time_ms("since") or 0
    desired = desired_params(request.thing, request.path["node_id"], since, request.now, request.now_ms)
    return {"params": desired.params, "next_since": desired.next_since, "more": desired.more}


handler = get_desired_params
