"""POST /v1/user (and /v1/user2) — sign up `{user_name, password}`, then confirm
`{user_name, verification_code}`."""

from nodeshare.domain.users import confirm_sign_up
from nodeshare.domain.users import sign_up as create_account
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("sign_up", "sign_up_cli")
def sign_up(request: Request):
    body = request.body()
    if "verification_code" in body:
        confirm_sign_up(body["user_name"], body["verification_code"])
        return success("User confirmed")
    user = create_account(body["user_name"], body["password"], request.now)
    return success("User created", user_id=user.user_id)


handler = sign_up
