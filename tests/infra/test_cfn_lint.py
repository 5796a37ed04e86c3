"""cfn-lint, the CloudFormation linter, finds no error in any template CDK writes: the parent's
and each nested stack's."""

from __future__ import annotations

from pathlib import Path

from cfnlint.api import ManualArgs, lint_file

from tests.infra.assembly import Synthesis

# Regions a self-hosting operator is likely to pick; the templates are region-agnostic.
REGIONS = ["us-east-1", "eu-central-1", "ap-southeast-1"]


def _errors(template_file: Path) -> list[str]:
    matches = lint_file(template_file, ManualArgs(regions=REGIONS))
    return [f"{match.rule.id} {match}" for match in matches if match.rule.id.startswith("E")]


def test_every_template_has_no_cfn_lint_errors(synthesis: Synthesis) -> None:
    """Given every template file in the cloud assembly (the ones `cdk deploy` uploads: the parent
    and one per nested stack), cfn-lint reports no E-level finding in any of the checked regions;
    warnings are allowed."""
    templates = synthesis.templates()
    assert len(templates) == len(synthesis.nested) + 1 > 1

    errors = {stack: _errors(path) for stack, path in templates.items()}

    assert {stack: found for stack, found in errors.items() if found} == {}
