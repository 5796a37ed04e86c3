"""POST /v1/login2 — `{user_name, password}` or `{refreshtoken}` -> RainMaker's token body."""

from nodeshare.domain.users import log_in, refresh_tokens
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("login")
def login(request: Request):
    body = request.body()
    if "refreshtoken" in body:
        tokens = refresh_tokens(body["refreshtoken"])
    else:
        tokens = log_in(body["user_name"], body["password"])
    return success(
        "Login successful",
        idtoken=tokens.id_token,
        accesstoken=tokens.access_token,
        refreshtoken=tokens.refresh_token,
    )


handler = login
