"""POST /v1/logout2[?logout_all=] — revoke the caller's refresh tokens (see `domain.users.log_out`)."""

from nodeshare.domain.users import log_out
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("logout")
def logout(request: Request):
    log_out(request.principal)
    return success("Logout successful")


handler = logout
