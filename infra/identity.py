"""Cognito: e-mail sign-in, self sign-up, strong passwords, `custom:user_id`, the `admin` group,
the trigger that records every account, and the e-mail sender (Cognito's own, or SES).

**E-mail.** Cognito's default sender stops at about 50 messages a day (sign-up codes, password
resets, account deletion codes). Given `ses_from_email` in cdk.json's context (an address or
domain verified in SES; `ses_region` if SES is in another region, `ses_verified_domain` if the
domain rather than the address is verified), the pool sends through SES instead.

**MFA is off.** esp-rainmaker-cli, which nodeshare serves unchanged, signs in with user name and
password and cannot answer an MFA challenge; with MFA optional, a user who enrolled TOTP through
Cognito's own API would be locked out of the CLI. With MFA off nobody can enrol. A sign-in that
Cognito still answers with a challenge (e.g. `NEW_PASSWORD_REQUIRED` for an account an
administrator created with a temporary password) is refused with a 401 that names the challenge,
never silently (`store.identity.password_login`).
"""

from collections.abc import Mapping

from aws_cdk import Duration, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from nodeshare.routes import USER_TRIGGER
from nodeshare.user_pool import OPERATOR_GROUP, PASSWORD_POLICY, USER_ID_ATTRIBUTE

from infra.config import StageConfig
from infra.functions import FunctionFactory

# Settings the trigger may not be told: the pool names the trigger, so the trigger cannot name the
# pool (a circular dependency). It reads the pool from each event.
POOL_SETTINGS = ("USER_POOL_ID", "USER_POOL_CLIENT_ID")
# Access and ID tokens' lifetime: esp-rainmaker-cli refreshes them when they expire.
ACCESS_TOKEN_MINUTES = 15


def _email(scope: Construct) -> cognito.UserPoolEmail | None:
    from_email = scope.node.try_get_context("ses_from_email")
    if not from_email:
        return None  # Cognito's own sender
    return cognito.UserPoolEmail.with_ses(
        from_email=from_email,
        ses_region=scope.node.try_get_context("ses_region") or Stack.of(scope).region,
        ses_verified_domain=scope.node.try_get_context("ses_verified_domain"),
    )


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, config: StageConfig | None = None) -> None:
        super().__init__(scope, construct_id)
        config = config or StageConfig()
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            sign_in_aliases=cognito.SignInAliases(email=True),
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY["MinimumLength"],
                require_uppercase=PASSWORD_POLICY["RequireUppercase"],
                require_lowercase=PASSWORD_POLICY["RequireLowercase"],
                require_digits=PASSWORD_POLICY["RequireNumbers"],
                require_symbols=PASSWORD_POLICY["RequireSymbols"],
                temp_password_validity=Duration.days(PASSWORD_POLICY["TemporaryPasswordValidityDays"]),
            ),
            custom_attributes={
                USER_ID_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=64, mutable=True)
            },
            # A changed e-mail takes effect only once verified: the original stays until then.
            keep_original=cognito.KeepOriginalAttrs(email=True),
            mfa=cognito.Mfa.OFF,  # see the module's docstring
            email=_email(self),
            # A dev stage's pool goes with the stack; any other's stays, protected from deletion.
            deletion_protection=config.deletion_protection,
            removal_policy=config.removal_policy,
        )
        # App clients may read custom:user_id (it is in ID tokens) but never write it: only the
        # user trigger sets it, with an admin call. Of the standard attributes they may write only
        # `email`, which the pool holds back until it is verified.
        readable = cognito.ClientAttributes().with_standard_attributes(email=True, email_verified=True)
        self.client = self.user_pool.add_client(
            "AppClient",
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,  # no hosted UI: sign-in goes through /v1/login2
            generate_secret=False,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            read_attributes=readable.with_custom_attributes(USER_ID_ATTRIBUTE),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True),
            # How long a token outlives a logout or an operator's removal from `admin` (JWT
            # authorizers check only signature and expiry). A deleted account's tokens are refused
            # at once anyway (`authorization.require_account`). Cognito's minimum is 5 minutes.
            access_token_validity=Duration.minutes(ACCESS_TOKEN_MINUTES),
            id_token_validity=Duration.minutes(ACCESS_TOKEN_MINUTES),
            refresh_token_validity=Duration.days(30),
        )
        cognito.CfnUserPoolGroup(
            self,
            "OperatorGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=OPERATOR_GROUP,
            description="nodeshare operators: register nodes and see everything",
        )

    def add_user_trigger(
        self, functions: FunctionFactory, tables: Mapping[str, dynamodb.Table]
    ) -> lambda_.Function:
        """The function that records every account (`functions/users/record_user.py`), as the pool's
        PostConfirmation trigger (every confirmation: sign-up, Cognito's own ConfirmSignUp, an
        administrator's AdminConfirmSignUp, a password reset) and its PreTokenGeneration trigger
        (every sign-in and refresh: Cognito runs no confirmation trigger for an account an
        administrator creates), which also brings a verified change of address to the record and
        its copies (`domain.users.follow_verified_address`). Idempotent; a complete and current
        record costs it one read."""
        function = functions.make(
            Stack.of(self),
            "RecordUserTrigger",
            USER_TRIGGER.handler,
            {name: tables[name] for name in USER_TRIGGER.tables},
            USER_TRIGGER.summary,
            # Nothing of the pool (the pool depends on this function) or of thing tokens.
            exclude_env=(*POOL_SETTINGS, "THING_KEY_ID", "THING_TOKEN_ISSUER"),
        )
        for name in USER_TRIGGER.writes:  # the users row, and the copies of its address
            tables[name].grant_read_write_data(function)
        # A policy of its own, not the role's default one, which the function depends on: the pool
        # depends on the function, and this statement on the pool.
        iam.Policy(
            self,
            "RecordUserCognitoAccess",
            roles=[function.role] if function.role else [],
            statements=[
                iam.PolicyStatement(
                    actions=list(USER_TRIGGER.cognito), resources=[self.user_pool.user_pool_arn]
                )
            ],
        )
        self.user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, function)
        self.user_pool.add_trigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION, function)
        return function
