"""The KMS key that signs thing tokens (`nodeshare.domain.thing_tokens`): RSA 2048, sign and
verify only. The private key never leaves KMS; only the token-exchange route may sign with it,
and only the keys route may read its public half (`Route.kms`)."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import StageConfig


class ThingTokenKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, config: StageConfig | None = None) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "SigningKey",
            description="nodeshare: signs thing tokens (RS256)",
            key_spec=kms.KeySpec.RSA_2048,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            # Tokens it signed stop verifying when it goes, and every device must exchange again:
            # kept when the stack is deleted, like the user pool (but a dev stage's).
            removal_policy=(config or StageConfig()).removal_policy,
        )
