#!/usr/bin/env python3
"""The CDK app: `cdk synth` / `cdk deploy` (see README)."""

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stack import NodeshareStack

app = cdk.App()
NodeshareStack(app, app.node.try_get_context("stack_name") or "Nodeshare")
# cdk-nag v3 is a policy-validation plugin: an unacknowledged finding fails the synth.
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
app.synth()
