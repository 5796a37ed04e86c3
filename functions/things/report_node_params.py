"""PUT /v1/things/{node_id}/params {device: {param: value}} — the node reports current values
(thing token) -> 204; values its config does not define are a 400."""

from nodeshare.domain.devices import report_params
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("report_node_params")
def report_node_params(request: Request):
    report_params(request.thing, request.path["node_id"], request.body(), request.now_ms)
    return no_content()


handler = report_node_params
