"""PUT /v1/things/{node_id}/config — the node reports its config (thing token) -> 204."""

from nodeshare.domain.devices import report_config
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("report_node_config")
def report_node_config(request: Request):
    report_config(request.thing, request.path["node_id"], request.body())
    return no_content()


handler = report_node_config
