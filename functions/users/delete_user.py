"""DELETE /v1/user2 — esp-rainmaker-cli's `deleteuser`: `?request=true` mails a code to the
account's address, `?verification_code=` deletes the account (`domain.accounts`)."""

from nodeshare.domain.accounts import delete_account, request_account_deletion
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_user")
def delete_user(request: Request):
    token = request.access_token()
    if request.query_bool("request"):
        request_account_deletion(token)
        return success("Verification code sent")
    delete_account(request.principal, token, request.required_query("verification_code"), request.now)
    return success("User deleted")


handler = delete_user
