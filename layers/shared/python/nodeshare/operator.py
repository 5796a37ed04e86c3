"""`make operator EMAIL=ops@example.com`: create an operator (or reset one's password), on a
deployed stack or on the local one.

    python -m nodeshare.operator ops@example.com [--stack Nodeshare]

- **Deployed**: the pool and the users table are read from the stack's outputs (`UserPoolId`,
  `UsersTableName`) with the caller's AWS credentials and region (`--stack`, default `Nodeshare`,
  the name `cdk deploy` gives it; `stack_name` in cdk.json's context changes it).
- **Local**: with `AWS_ENDPOINT_URL` set to the local stack's emulator (`make dev` prints it as
  `emulator:`), the local stack's pool and tables are used.

The password is `OPERATOR_PASSWORD` if set (kept off the command line, where `ps` shows it), else
generated; it is printed once. The account is confirmed, its address verified, in the `admin`
group, and recorded like every account (`domain.users.create_operator`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any

DEFAULT_STACK = "Nodeshare"
OUTPUTS = {"UserPoolId": "USER_POOL_ID", "UsersTableName": "USERS_TABLE"}


def generated_password() -> str:
    """Meets the pool's policy: upper, lower, digit, symbol."""
    return f"Op-{secrets.token_urlsafe(12)}-7xQ!"


def stack_settings(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The environment the operator's code needs, from the deployed stack's outputs."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    missing = sorted(set(OUTPUTS) - set(outputs))
    if missing:
        raise SystemExit(f"stack {stack_name} has no output {', '.join(missing)}: deploy this version first")
    return {variable: outputs[key] for key, variable in OUTPUTS.items()}


def local_settings(cognito: Any) -> dict[str, str]:
    """The local stack's pool (its tables have the default names)."""
    from botocore.exceptions import ClientError

    from nodeshare.local.emulator import POOL_NAME

    try:
        pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    except ClientError as refused:
        if refused.response.get("Error", {}).get("Code") != "UnrecognizedClientException":
            raise
        raise SystemExit(
            "the emulator refused the credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "to the ones `make dev` printed beside its emulator"
        ) from refused
    for pool in pools:
        if pool["Name"] == POOL_NAME:
            return {"USER_POOL_ID": pool["Id"]}
    raise SystemExit(f"no pool {POOL_NAME} at {os.environ['AWS_ENDPOINT_URL']}: is the local stack running?")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make operator", description=__doc__.split("\n\n")[0])
    parser.add_argument("email", help="the operator's e-mail address (the user name)")
    parser.add_argument("--stack", default=DEFAULT_STACK, help="the deployed stack's name")
    args = parser.parse_args(argv)

    import boto3

    if os.environ.get("AWS_ENDPOINT_URL"):
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(key, "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        found = local_settings(boto3.client("cognito-idp"))
    else:
        found = stack_settings(boto3.client("cloudformation"), args.stack)
    os.environ.update(found)
    region = boto3.session.Session().region_name
    if region:
        os.environ.setdefault("AWS_REGION", region)

    # Imported once the environment names the pool and tables: the models read them at import.
    from nodeshare import clock
    from nodeshare.settings import settings

    settings.cache_clear()  # read again, now with the pool
    from nodeshare.domain.users import create_operator
    from nodeshare.model.errors import DomainError

    password = os.environ.get("OPERATOR_PASSWORD") or generated_password()
    try:
        user = create_operator(args.email, password, clock.now())
    except DomainError as error:
        raise SystemExit(f"could not create the operator: {error.description}") from error
    print(f"operator: {user.user_name} / {password}  (user_id {user.user_id})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
