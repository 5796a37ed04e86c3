"""PUT /v1/things/{node_id}/connectivity {connected} — what `GET /v1/user/nodes/status` shows,
with the time it was reported (thing token) -> 204."""

from nodeshare.domain.devices import report_connectivity as report
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("report_connectivity")
def report_connectivity(request: Request):
    report(request.thing, request.path["node_id"], request.body()["connected"], request.now_ms)
    return no_content()


handler = report_connectivity
