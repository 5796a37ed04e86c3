"""cdk-nag AwsSolutions is a real gate: the stack passes it, every accepted finding is explained,
and the same gate rejects a stack with a finding nobody acknowledged."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from infra import ROOT
from tests.infra.assembly import Synthesis, cdk_context

PLUGIN = "AwsSolutions"
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"
PLACEHOLDER = re.compile(r"\b(todo|tbd|fixme|xxx|placeholder)\b", re.IGNORECASE)


def _plugin_report(report: dict[str, Any]) -> dict[str, Any]:
    """The AwsSolutions part of a validation report."""
    reports: list[dict[str, Any]] = [item for item in report["pluginReports"] if item["pluginName"] == PLUGIN]
    assert len(reports) == 1, f"the {PLUGIN} plugin should report exactly once: {report['pluginReports']}"
    return reports[0]


def _acknowledgments(synthesis: Synthesis) -> list[tuple[str, str, str]]:
    """`(construct path, acknowledged id, reason)` of every acknowledgment in the assembly."""
    return [
        (path, rule, reason)
        for path, data in synthesis.metadata(ACKNOWLEDGED)
        for rule, reason in data.items()
    ]


def test_synthesis_passes_aws_solutions_checks(synthesis: Synthesis) -> None:
    """Given the stack synthesized with the AwsSolutions plugin, the plugin did evaluate it (its
    report lists the findings it accepted) and concluded success with no unacknowledged finding."""
    report = _plugin_report(synthesis.validation_report())

    assert report["conclusion"] == "success"
    assert report["violations"] == []
    assert report["suppressedViolations"], "an evaluated stack of this size has acknowledged findings"


def test_every_acknowledgment_carries_a_real_reason(synthesis: Synthesis) -> None:
    """Every acknowledgment infra/nag.py makes (written to the assembly metadata) names an
    AwsSolutions rule and explains itself in a sentence, not a placeholder; and every finding the
    plugin accepted carries that reason into the validation report."""
    acknowledgments = _acknowledgments(synthesis)
    assert acknowledgments, "infra/nag.py acknowledges reviewed findings; none reached the assembly"

    for path, rule, reason in acknowledgments:
        assert rule.startswith(f"{PLUGIN}::{PLUGIN}-"), (path, rule)
        assert len(reason) >= 40 and len(reason.split()) >= 4, f"{path} {rule}: reason too thin: {reason!r}"
        assert not PLACEHOLDER.search(reason), (path, rule, reason)

    reasons = {reason for _, _, reason in acknowledgments}
    for finding in _plugin_report(synthesis.validation_report())["suppressedViolations"]:
        assert finding["reason"] in reasons, finding["ruleName"]


def test_iam_acknowledgments_are_granular(synthesis: Synthesis) -> None:
    """IAM4 (managed policy) and IAM5 (wildcard) are only ever acknowledged for one named policy or
    resource pattern (`IAM5[Resource::...]`), never as a whole rule that would hide new findings."""
    rules = {rule for _, rule, _ in _acknowledgments(synthesis)}
    broad = {rule for rule in rules if re.fullmatch(rf"{PLUGIN}::{PLUGIN}-IAM[45]", rule)}

    assert any("-IAM5[" in rule for rule in rules), rules
    assert broad == set()


def test_every_acknowledgment_matches_a_finding(synthesis: Synthesis) -> None:
    """Each acknowledgment silences a finding that exists: none is pre-emptive, so a future grant
    (e.g. a table's indexes given to a function that should not read it) still fails the gate."""
    used = {
        (f"/{finding['acknowledgedAt']}", finding["acknowledgedId"])
        for finding in _plugin_report(synthesis.validation_report())["suppressedViolations"]
    }
    stale = sorted((path, rule) for path, rule, _ in _acknowledgments(synthesis) if (path, rule) not in used)

    assert stale == []


def _noncompliant_app(outdir: Path, *, nag: bool) -> cdk.App:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "NonCompliant")
    sqs.Queue(stack, "PlainQueue")  # no enforce_ssl (AwsSolutions-SQS4), no DLQ (AwsSolutions-SQS3)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def test_nag_gate_rejects_an_unacknowledged_finding(tmp_path: Path) -> None:
    """Given a tiny stack whose queue does not enforce SSL, it synthesizes without the plugin, but
    with AwsSolutions as a validation plugin the synth raises and the report names SQS4: the gate
    the real stack passes is not a no-op."""
    _noncompliant_app(tmp_path / "plain", nag=False).synth()

    with pytest.raises(RuntimeError, match=r"ValidationFailed[\s\S]*AwsSolutions-SQS4"):
        _noncompliant_app(tmp_path / "nag", nag=True).synth()

    report = _plugin_report(json.loads((tmp_path / "nag" / "validation-report.json").read_text()))
    assert report["conclusion"] == "failure"
    assert "AwsSolutions-SQS4" in {violation["ruleName"] for violation in report["violations"]}


def test_app_entry_point_synthesizes(tmp_path: Path) -> None:
    """`cdk synth` / `cdk deploy` run app.py (cdk.json); run it the way the CLI does (outdir and
    context in the environment) and expect a template for the stack."""
    env = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps(cdk_context()),
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "Nodeshare.template.json").is_file()
