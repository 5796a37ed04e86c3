"""POST /v1/things/{node_id}/reset — the node reports a factory reset (thing token) -> 204: a
password claim may then replace its primary, once (SPEC §2.10, `domain.authorization`)."""

from nodeshare.domain.devices import report_factory_reset as report
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("report_factory_reset")
def report_factory_reset(request: Request):
    report(request.thing, request.path["node_id"])
    return no_content()


handler = report_factory_reset
