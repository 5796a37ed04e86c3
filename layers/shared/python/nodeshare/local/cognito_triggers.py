"""What Cognito does around its calls that the emulator does not: triggers, mail, two operations.

moto runs no Lambda triggers and sends no mail. The local stack watches every Cognito call its
handlers make (a botocore hook in its own process) and does what the deployed pool would:

- after a confirmation (`ConfirmSignUp`, `AdminConfirmSignUp`, `ConfirmForgotPassword`) it calls the
  user trigger (`routes.USER_TRIGGER`, `functions/users/record_user.py`) with a PostConfirmation
  event, and after a sign-in or refresh that issued tokens, with a PreTokenGeneration event — the
  same handler, under its own grants (`local.permissions`). Cognito calls PreTokenGeneration before
  it issues the tokens; here it runs after, so the first tokens of an account recorded at sign-in
  lack `custom:user_id` (the caller is named by `sub`, the same value, so nothing differs);
- it "mails" codes by printing them on the stack's output (`nodeshare local mail: …`): the
  password-reset code (moto hands it over in a header; a wrong code is refused, as Cognito does,
  where moto would accept any code without its prefix), and the code that proves a user's address
  before the account is deleted;
- it answers `GetUserAttributeVerificationCode` and `VerifyUserAttribute` for `email`, which moto
  does not implement, for the caller of a valid access token.

The gap: a call that does not go through the local stack's handlers — a client calling the
emulator's Cognito directly — runs no trigger when it is made. An account confirmed that way is
recorded when it first signs in through `POST /v1/login2` (the sign-in trigger), as an account an
administrator created is on AWS; it is unrecorded until then, as it is on AWS until it confirms.
"""

from __future__ import annotations

import base64
import contextvars
import json
import secrets
import threading
from pathlib import Path
from typing import Any

import botocore.client
from botocore.exceptions import ClientError

from nodeshare.local import permissions
from nodeshare.local.gateway import HandlerPool, LambdaContext, handler_path
from nodeshare.routes import USER_TRIGGER
from nodeshare.settings import settings

MAIL_PREFIX = "nodeshare local mail:"
CONFIRMATIONS = {
    "ConfirmSignUp": "PostConfirmation_ConfirmSignUp",
    "AdminConfirmSignUp": "PostConfirmation_ConfirmSignUp",
    "ConfirmForgotPassword": "PostConfirmation_ConfirmForgotPassword",
}
SIGN_INS = frozenset(
    {"InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge"}
)
WRONG_CODE = ("CodeMismatchException", "Invalid verification code provided")
MOTO_RESET_CODE_HEADER = "x-moto-forgot-password-confirmation-code"


class CognitoSide:
    """The trigger handler and the codes "mailed" so far (per user), for one local stack."""

    def __init__(self, functions_dir: Path) -> None:
        self.trigger = HandlerPool(handler_path(functions_dir, USER_TRIGGER.handler))
        self.lock = threading.Lock()
        self.reset_codes: dict[str, str] = {}  # lower-case user name -> moto's full code
        self.email_codes: dict[str, str] = {}  # sub -> code

    def warm(self) -> None:
        self.trigger.warm()

    # --- the hook ---------------------------------------------------------------------------

    def around(self, client: Any, operation: str, params: dict[str, Any], call: Any) -> Any:
        if operation == "GetUserAttributeVerificationCode":
            return self._send_email_code(client, params)
        if operation == "VerifyUserAttribute":
            return self._verify_email_code(client, params)
        if operation == "ConfirmForgotPassword":
            params = self._with_reset_code(params)
        response = call(params)
        if operation == "ForgotPassword":
            self._mail_reset_code(params["Username"], response)
        elif operation in CONFIRMATIONS:
            self._run_trigger(client, CONFIRMATIONS[operation], params["Username"])
        elif operation in SIGN_INS and "IdToken" in response.get("AuthenticationResult", {}):
            claims = _unverified_claims(response["AuthenticationResult"]["IdToken"])
            refreshing = params.get("AuthFlow") in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
            source = "TokenGeneration_RefreshTokens" if refreshing else "TokenGeneration_Authentication"
            self._run_trigger(client, source, str(claims.get("sub", "")))
        return response

    # --- triggers ---------------------------------------------------------------------------

    def _run_trigger(self, client: Any, source: str, username: str) -> None:
        """Invoke the trigger as Cognito would: with the account's attributes, under the trigger's
        grants, outside the calling handler's (a fresh context: the caller's route is not ours)."""
        pool_id = settings().user_pool_id
        user = _as_cognito(client.admin_get_user, UserPoolId=pool_id, Username=username)
        attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
        event = {
            "version": "1",
            "triggerSource": source,
            "region": settings().region,
            "userPoolId": pool_id,
            "userName": user["Username"],
            "callerContext": {"clientId": settings().user_pool_client_id},
            "request": {"userAttributes": attributes},
            "response": {},
        }

        def invoke() -> None:
            with permissions.acting_as(USER_TRIGGER):
                self.trigger.invoke(event, LambdaContext(function_name=USER_TRIGGER.operation))

        try:
            contextvars.Context().run(invoke)
        except Exception as exc:  # Cognito fails the call when its trigger fails
            error = {"Error": {"Code": "UnexpectedLambdaException", "Message": f"{source} failed"}}
            raise ClientError(error, source) from exc  # type: ignore[arg-type]

    # --- mail -------------------------------------------------------------------------------

    def _mail_reset_code(self, user_name: str, response: dict[str, Any]) -> None:
        full = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(MOTO_RESET_CODE_HEADER)
        if not full or full == "None":  # no such account: Cognito sends nothing either
            return
        with self.lock:
            self.reset_codes[user_name.lower()] = full
        _mail(user_name, "password reset code", full.rsplit(":", 1)[-1])

    def _with_reset_code(self, params: dict[str, Any]) -> dict[str, Any]:
        """The code mailed, in moto's form; any other code is refused as Cognito refuses it."""
        with self.lock:
            full = self.reset_codes.get(str(params.get("Username", "")).lower())
        if full is None or params.get("ConfirmationCode") != full.rsplit(":", 1)[-1]:
            raise _refusal(*WRONG_CODE, "ConfirmForgotPassword")
        with self.lock:
            self.reset_codes.pop(str(params["Username"]).lower(), None)
        return {**params, "ConfirmationCode": full}

    def _send_email_code(self, client: Any, params: dict[str, Any]) -> dict[str, Any]:
        user = _as_cognito(client.get_user, AccessToken=params["AccessToken"])
        attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
        if params.get("AttributeName") != "email" or not attributes.get("email"):
            raise _refusal("InvalidParameterException", "No such attribute", "GetUserAttributeVerification")
        code = f"{secrets.randbelow(1_000_000):06d}"
        with self.lock:
            self.email_codes[attributes["sub"]] = code
        _mail(attributes["email"], "verification code", code)
        return {"CodeDeliveryDetails": {"Destination": attributes["email"], "DeliveryMedium": "EMAIL"}}

    def _verify_email_code(self, client: Any, params: dict[str, Any]) -> dict[str, Any]:
        user = _as_cognito(client.get_user, AccessToken=params["AccessToken"])
        sub = next(item["Value"] for item in user["UserAttributes"] if item["Name"] == "sub")
        with self.lock:
            expected = self.email_codes.get(sub)
            if expected is None or not secrets.compare_digest(expected, str(params.get("Code", ""))):
                raise _refusal(*WRONG_CODE, "VerifyUserAttribute")
            del self.email_codes[sub]
        return {}


def _as_cognito(operation: Any, **params: Any) -> Any:
    """A call the emulator's Cognito makes for itself: outside any handler's grants."""
    return contextvars.Context().run(lambda: operation(**params))


def _refusal(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)  # type: ignore[arg-type]


def _mail(to: str, what: str, code: str) -> None:
    print(f"{MAIL_PREFIX} to {to}: {what} {code}", flush=True)


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT the emulator just issued (read, not verified: it came from the source)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def install(side: CognitoSide) -> None:
    """Route every Cognito call made in this process through `side` (once; it wraps whatever
    `_make_api_call` is, so `local.permissions` still checks the handler's grants first)."""
    make_api_call = botocore.client.BaseClient._make_api_call

    def with_cognito_side(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name != "cognito-idp":
            return make_api_call(self, operation_name, api_params)

        def call(params: dict[str, Any]) -> Any:
            return make_api_call(self, operation_name, params)

        return side.around(self, operation_name, api_params, call)

    botocore.client.BaseClient._make_api_call = with_cognito_side  # type: ignore[method-assign]
