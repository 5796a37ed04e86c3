"""The user pool's definition, shared by the CDK stack and the local stack so both enforce the same
rules: e-mail sign-in, a strong password policy, `custom:user_id`, and the `admin` group."""

OPERATOR_GROUP = "admin"
USER_ID_ATTRIBUTE = "user_id"  # appears in tokens as custom:user_id

PASSWORD_MIN_LENGTH = 8
# Upper and lower case, digits and symbols: Cognito's strongest built-in policy (cdk-nag COG1).
PASSWORD_POLICY = {
    "MinimumLength": PASSWORD_MIN_LENGTH,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
