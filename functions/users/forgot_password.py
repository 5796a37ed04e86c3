"""PUT /v1/forgotpassword2 — esp-rainmaker-cli's `forgotpassword`: `{user_name}` mails a code,
`{user_name, verification_code, password}` sets the new password (`domain.users.forgot_password`)."""

from nodeshare.domain.users import forgot_password as reset_password
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("forgot_password")
def forgot_password(request: Request):
    body = request.body()
    changed = reset_password(body["user_name"], body.get("password"), body.get("verification_code"))
    return success("Password changed" if changed else "Verification code sent, if the account exists")


handler = forgot_password
