"""The CDK app, synthesized once per test session with the cdk-nag AwsSolutions pack as a policy
validation plugin (a finding nobody acknowledged makes the synth raise, so every test errors)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.assembly import Synthesis, synthesize


@pytest.fixture(scope="session")
def synthesis(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def template(synthesis: Synthesis) -> dict[str, Any]:
    """The synthesized CloudFormation templates of the nodeshare stack as one dict: the parent's
    resources and every nested stack's, each nested stack's parameters replaced by what the parent
    passes them (`cfn.flatten`), so a reference reads as if everything were in one stack. Where a
    resource lives is `synthesis.home(logical_id)`."""
    return synthesis.template
