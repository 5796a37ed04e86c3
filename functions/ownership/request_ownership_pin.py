"""POST /v1/things/{node_id}/ownership/request/{user:<id> | group:<id>} — start a PIN flow with a
user's token or the thing's -> `{"code"}`; the other side confirms it (`domain.ownership`)."""

from nodeshare.domain.ownership import parse_owner, request_pin
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("request_ownership_pin")
def request_ownership_pin(request: Request):
    owner = parse_owner(request.path["owner"])
    return {"code": request_pin(request.caller, request.path["node_id"], owner, request.now)}


handler = request_ownership_pin
