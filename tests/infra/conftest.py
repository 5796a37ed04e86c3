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
    """The synthesized CloudFormation template of the nodeshare stack, as a dict."""
    return synthesis.template
