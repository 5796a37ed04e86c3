"""cfn-lint, the CloudFormation linter, finds no error in any template CDK writes: the parent's
and each nested stack's."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint_by_config

from tests.infra.assembly import Synthesis

# Regions a self-hosting operator is likely to pick; the templates are region-agnostic.
REGIONS = ["us-east-1", "eu-central-1", "ap-southeast-1"]


def test_every_template_has_no_cfn_lint_errors(synthesis: Synthesis) -> None:
    """Given every template file in the cloud assembly (the ones `cdk deploy` uploads: the parent
    and one per nested stack), cfn-lint reports no E-level finding in any of the checked regions;
    warnings are allowed."""
    templates = synthesis.templates()
    assert len(templates) == len(synthesis.nested) + 1 > 1
    stack_of = {str(path): stack for stack, path in templates.items()}

    # One run over every file: cfn-lint loads its rules once a run (~0.6 s), not once a template.
    matches = lint_by_config(ManualArgs(templates=list(stack_of), regions=REGIONS))
    errors: dict[str, list[str]] = {}
    for match in matches:
        if match.rule.id.startswith("E"):
            errors.setdefault(stack_of.get(match.filename, match.filename), []).append(
                f"{match.rule.id} {match}"
            )

    assert errors == {}
