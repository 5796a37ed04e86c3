"""POST /v1/things/{node_id}/token {thingPassword} — `{"access_token", "expires_in"}`; 404 for a
wrong password or an unknown node alike, 429 after too many wrong passwords (`domain.devices`)."""

from nodeshare import schemas
from nodeshare.domain.devices import issue_token
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request, validate


@endpoint("issue_thing_token")
def issue_thing_token(request: Request):
    node_id = validate(request.path["node_id"], schemas.NODE_ID)
    issued = issue_token(node_id, request.body()["thingPassword"], request.source_ip, request.now)
    return {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}


handler = issue_thing_token
