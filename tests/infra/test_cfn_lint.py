"""cfn-lint, the CloudFormation linter, finds no error in the template CDK writes."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint_file

from tests.infra.assembly import STACK_NAME, Synthesis

# Regions a self-hosting operator is likely to pick; the template is region-agnostic.
REGIONS = ["us-east-1", "eu-central-1", "ap-southeast-1"]


def test_template_has_no_cfn_lint_errors(synthesis: Synthesis) -> None:
    """Given the template file in the cloud assembly (the one `cdk deploy` uploads), cfn-lint reports
    no E-level finding in any of the checked regions; warnings (e.g. W3005, the redundant DependsOn
    CDK adds to functions) are allowed."""
    template_file = synthesis.outdir / f"{STACK_NAME}.template.json"

    matches = lint_file(template_file, ManualArgs(regions=REGIONS))

    errors = [f"{match.rule.id} {match}" for match in matches if match.rule.id.startswith("E")]
    assert errors == []
