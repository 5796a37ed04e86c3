"""Cognito: e-mail sign-in, self sign-up, strong passwords, `custom:user_id`, the `admin` group."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct
from nodeshare.user_pool import OPERATOR_GROUP, PASSWORD_POLICY, USER_ID_ATTRIBUTE


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
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
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # App clients may read custom:user_id (it is in ID tokens) but never write it: only the
        # sign-up function sets it, with an admin call.
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
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        cognito.CfnUserPoolGroup(
            self,
            "OperatorGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=OPERATOR_GROUP,
            description="nodeshare operators: register nodes and see everything",
        )
