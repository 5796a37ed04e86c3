"""Synthesizing the nodeshare app the way the CDK CLI does, and reading the cloud assembly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra import ROOT
from infra.layer import PipBundling
from infra.stack import NodeshareStack

STACK_NAME = "Nodeshare"


def cdk_context() -> dict[str, Any]:
    """What the CDK CLI passes to the app: cdk.json's context, plus asset metadata on resources
    (`aws:asset:path`), which the CLI also turns on."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {**context, "aws:cdk:enable-asset-metadata": True}


@dataclass(frozen=True)
class Synthesis:
    outdir: Path  # the cloud assembly directory (assets, manifest, validation report)
    template: dict[str, Any]
    local_bundling: tuple[bool, ...]  # what every PipBundling.try_bundle call returned

    def metadata(self, entry_type: str) -> list[tuple[str, Any]]:
        """`(construct path, data)` of the stack's metadata entries of `entry_type`, read from the
        assembly manifest (inline or in the stack's additional metadata file)."""
        artifact = json.loads((self.outdir / "manifest.json").read_text())["artifacts"][STACK_NAME]
        by_path: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
        if "additionalMetadataFile" in artifact:
            by_path.update(json.loads((self.outdir / artifact["additionalMetadataFile"]).read_text()))
        return [
            (path, entry["data"])
            for path, entries in by_path.items()
            for entry in entries
            if entry["type"] == entry_type
        ]

    def validation_report(self) -> dict[str, Any]:
        """The policy-validation report CDK writes into the assembly directory."""
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report


def synthesize(outdir: Path) -> Synthesis:
    """Synthesize the stack with cdk-nag AwsSolutions as a policy-validation plugin (an
    unacknowledged finding makes this raise), recording how the layer was bundled."""
    results: list[bool] = []
    original = PipBundling.try_bundle

    def spy(self: PipBundling, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        # CDK falls back to Docker when local bundling returns False; record what it returned.
        bundled = original(self, output_dir, *args, **kwargs)
        results.append(bundled)
        return bundled

    with mock.patch.object(PipBundling, "try_bundle", spy):
        app = cdk.App(outdir=str(outdir), context=cdk_context())
        NodeshareStack(app, STACK_NAME)
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        assembly = app.synth()
    return Synthesis(
        outdir=Path(assembly.directory),
        template=assembly.get_stack_by_name(STACK_NAME).template,
        local_bundling=tuple(results),
    )
