"""GET /v1/thing-issuer/.well-known/openid-configuration — the thing-token issuer's discovery
document, which the thing JWT authorizer reads (`domain.thing_tokens`)."""

from nodeshare.domain.thing_tokens import discovery_document
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_thing_issuer")
def get_thing_issuer(request: Request):
    return discovery_document()


handler = get_thing_issuer
