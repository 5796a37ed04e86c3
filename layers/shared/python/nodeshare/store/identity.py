"""Cognito, through boto3: sign-up, sign-in, tokens. The client is created lazily, once.

Cognito's error codes become domain errors here; a caller never learns more than "wrong user
name or password" about an account.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from nodeshare.model import errors
from nodeshare.model.entities import Tokens
from nodeshare.settings import settings
from nodeshare.store.clients import client_config
from nodeshare.user_pool import USER_ID_ATTRIBUTE as USER_ID_ATTRIBUTE_NAME

USER_ID_ATTRIBUTE = f"custom:{USER_ID_ATTRIBUTE_NAME}"

_REFUSALS: dict[str, type[errors.DomainError]] = {
    "NotAuthorizedException": errors.InvalidCredentials,
    "UserNotFoundException": errors.InvalidCredentials,
    "UserNotConfirmedException": errors.UserNotConfirmed,
    "UsernameExistsException": errors.UserAlreadyExists,
    "InvalidPasswordException": errors.InvalidPassword,
    "CodeMismatchException": errors.InvalidVerificationCode,
    "ExpiredCodeException": errors.InvalidVerificationCode,
    "InvalidParameterException": errors.BadRequest,
    "AliasExistsException": errors.UserAlreadyExists,
    "LimitExceededException": errors.TooManyAttempts,
    "TooManyRequestsException": errors.TooManyAttempts,
    "TooManyFailedAttemptsException": errors.TooManyAttempts,
}
_DESCRIPTIONS = {
    errors.InvalidCredentials: "Incorrect user name or password",
    errors.UserNotConfirmed: "User is not confirmed",
    errors.UserAlreadyExists: "An account with this user name already exists",
    errors.InvalidVerificationCode: "Invalid verification code",
    errors.TooManyAttempts: "Too many attempts, try again later",
}


@cache
def _client() -> Any:
    # Imported here, not at the top: boto3 (with s3transfer) is about a third of a cold start,
    # and most functions import this module (through nodeshare.domain.users) without calling
    # Cognito. A session of its own: creating clients from boto3's shared default session is
    # not thread-safe, and the local stack serves requests on several threads.
    import boto3

    return boto3.session.Session().client(
        "cognito-idp", region_name=settings().region, config=client_config()
    )


def _call(operation: str, **kwargs: Any) -> Any:
    """One Cognito call. What the caller sent wrong is a domain error (a 4xx): Cognito's refusals
    above, and botocore's own validation of what would be sent (an empty or over-long name, code
    or password), which never reaches Cognito. Anything else is an outage: raised, a logged 500."""
    try:
        return getattr(_client(), operation)(**kwargs)
    except ParamValidationError as exc:
        raise errors.BadRequest("Invalid user name, password or code") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        refusal = _REFUSALS.get(code)
        if refusal is None:
            raise
        message = _DESCRIPTIONS.get(refusal) or exc.response.get("Error", {}).get("Message") or code
        raise refusal(message) from exc


def sign_up(user_name: str, password: str) -> str:
    """Create the Cognito user; returns its `sub`, which becomes the user_id."""
    response = _call(
        "sign_up",
        ClientId=settings().user_pool_client_id,
        Username=user_name,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": user_name}],
    )
    return str(response["UserSub"])


def set_user_id(username: str, user_id: str, pool_id: str | None = None) -> None:
    """Write `custom:user_id` (not writable by app clients) so ID tokens carry it. `username` is
    Cognito's (the `sub` in this pool) or the e-mail; `pool_id` defaults to the settings' (the
    trigger is told its pool by the event: its function cannot name the pool that names it)."""
    _call(
        "admin_update_user_attributes",
        UserPoolId=pool_id or settings().user_pool_id,
        Username=username,
        UserAttributes=[{"Name": USER_ID_ATTRIBUTE, "Value": user_id}],
    )


def admin_confirm(user_name: str) -> None:
    _call("admin_confirm_sign_up", UserPoolId=settings().user_pool_id, Username=user_name)


def confirm_sign_up(user_name: str, code: str) -> None:
    _call(
        "confirm_sign_up", ClientId=settings().user_pool_client_id, Username=user_name, ConfirmationCode=code
    )


def _tokens(response: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    result = response["AuthenticationResult"]
    return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken") or refresh_token)


def password_login(user_name: str, password: str) -> Tokens:
    response = _call(
        "initiate_auth",
        ClientId=settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user_name, "PASSWORD": password},
    )
    if "AuthenticationResult" not in response:  # a challenge (e.g. NEW_PASSWORD_REQUIRED)
        raise errors.InvalidCredentials(f"Sign-in needs {response.get('ChallengeName', 'a challenge')}")
    return _tokens(response)


def refresh(refresh_token: str) -> Tokens:
    response = _call(
        "initiate_auth",
        ClientId=settings().user_pool_client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return _tokens(response, refresh_token)


def sign_out_everywhere(user_id: str) -> None:
    """Revoke every refresh token of the user. Admin form: works whichever token the caller
    presented (an ID token cannot be used with the self-service GlobalSignOut). Addressed by the
    `sub` (= user_id, and Cognito's own user name in an e-mail-as-user-name pool), never by an
    e-mail, which an account made outside nodeshare may lack."""
    _call("admin_user_global_sign_out", UserPoolId=settings().user_pool_id, Username=user_id)


def forgot_password(user_name: str) -> None:
    """Cognito mails a code to the account's verified address. An unknown address answers the
    same (the app client prevents user-existence errors; locally, moto's refusal is swallowed)."""
    try:
        _call("forgot_password", ClientId=settings().user_pool_client_id, Username=user_name)
    except errors.InvalidCredentials:
        return


def confirm_forgot_password(user_name: str, code: str, password: str) -> None:
    _call(
        "confirm_forgot_password",
        ClientId=settings().user_pool_client_id,
        Username=user_name,
        ConfirmationCode=code,
        Password=password,
    )


def send_email_code(access_token: str) -> None:
    """Cognito mails a code to the caller's (verified) address: the proof for deleting the account."""
    _call("get_user_attribute_verification_code", AccessToken=access_token, AttributeName="email")


def check_email_code(access_token: str, code: str) -> None:
    """The code `send_email_code` mailed, or `InvalidVerificationCode`."""
    _call("verify_user_attribute", AccessToken=access_token, AttributeName="email", Code=code)


def delete_user(user_id: str) -> None:
    """Delete the Cognito account (by `sub`); an account already gone is no error."""
    try:
        _call("admin_delete_user", UserPoolId=settings().user_pool_id, Username=user_id)
    except errors.InvalidCredentials:  # UserNotFoundException
        return


def create_confirmed_user(user_name: str, password: str) -> str:
    """An account made by an operator (no e-mail sent), its address verified (the operator vouches
    for it), confirmed with a permanent password; returns its `sub`. Existing accounts are reused,
    their password reset."""
    try:
        response = _call(
            "admin_create_user",
            UserPoolId=settings().user_pool_id,
            Username=user_name,
            UserAttributes=[
                {"Name": "email", "Value": user_name},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        attributes = response["User"]["Attributes"]
    except errors.UserAlreadyExists:
        attributes = _call("admin_get_user", UserPoolId=settings().user_pool_id, Username=user_name)[
            "UserAttributes"
        ]
    user_id = next(attribute["Value"] for attribute in attributes if attribute["Name"] == "sub")
    _call(
        "admin_set_user_password",
        UserPoolId=settings().user_pool_id,
        Username=user_id,
        Password=password,
        Permanent=True,
    )
    return str(user_id)


def user_attributes(user_id: str) -> dict[str, str]:
    """The account's attributes by name (`sub`, `email`, `custom:user_id`, …)."""
    response = _call("admin_get_user", UserPoolId=settings().user_pool_id, Username=user_id)
    return {attribute["Name"]: attribute["Value"] for attribute in response["UserAttributes"]}


def add_to_group(user_id: str, group: str) -> None:
    _call("admin_add_user_to_group", UserPoolId=settings().user_pool_id, Username=user_id, GroupName=group)
