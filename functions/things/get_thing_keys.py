"""GET /v1/thing-issuer/.well-known/jwks.json — the public key thing tokens are signed with."""

from nodeshare.domain.thing_tokens import key_set
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_thing_keys")
def get_thing_keys(request: Request):
    return key_set()


handler = get_thing_keys
