"""POST /v1/things/{node_id}/ownership/confirm (or Kii's `cofirm`) {code} — the other side of a PIN
flow confirms it -> 204; a wrong, used, expired or foreign code is the same 404, 429 after too
many (`domain.ownership`)."""

from nodeshare.domain.ownership import confirm_pin
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("confirm_ownership_pin", "confirm_ownership_pin_kii")
def confirm_ownership_pin(request: Request):
    confirm_pin(request.caller, request.path["node_id"], request.body()["code"], request.now)
    return no_content()


handler = confirm_ownership_pin
