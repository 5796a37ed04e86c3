"""Synthesizing the nodeshare app the way the CDK CLI does, and reading the cloud assembly."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from unittest import mock

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from nodeshare.routes import ROUTES, Route

from infra import ROOT
from infra.bytecode import CompiledCopyBundling
from infra.layer import PipBundling
from infra.stack import NodeshareStack
from tests.infra.cfn import NESTED_STACK, Template, flatten, resources_of_type

STACK_NAME = "Nodeshare"


def cdk_context() -> dict[str, Any]:
    """What the CDK CLI passes to the app: cdk.json's context, plus asset metadata on resources
    (`aws:asset:path`), which the CLI also turns on."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {**context, "aws:cdk:enable-asset-metadata": True}


@dataclass(frozen=True)
class Synthesis:
    outdir: Path  # the cloud assembly directory (assets, manifest, validation report)
    parent: Template  # the stack's own template (`Nodeshare.template.json`)
    nested: dict[str, Template]  # each nested stack's template, by its logical id in the parent
    local_bundling: tuple[tuple[str, bool], ...]  # each local bundler CDK called, and what it returned

    @cached_property
    def template(self) -> Template:
        """The parent and every nested template as one (`cfn.flatten`)."""
        return flatten(self.parent, self.nested)

    def templates(self) -> dict[str, Path]:
        """Every template file `cdk deploy` uploads: the parent's, then each nested stack's, by the
        logical id of the stack (the parent's is STACK_NAME)."""
        return {STACK_NAME: self.outdir / f"{STACK_NAME}.template.json"} | {
            logical_id: self.outdir / _nested_file(self.parent, logical_id) for logical_id in self.nested
        }

    def home(self, logical_id: str) -> str:
        """The stack a resource of the flattened template is in: a nested stack's logical id, or
        STACK_NAME for the parent."""
        for stack_id, template in self.nested.items():
            if logical_id in template["Resources"]:
                return stack_id
        assert logical_id in self.parent["Resources"], logical_id
        return STACK_NAME

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


def synthesize(
    outdir: Path,
    routes: Sequence[Route] = ROUTES,
    *,
    nag: bool = True,
    context: Mapping[str, Any] | None = None,
) -> Synthesis:
    """Synthesize the stack for `routes` with cdk-nag AwsSolutions as a policy-validation plugin
    (an unacknowledged finding makes this raise), recording how the layer and the function code
    were bundled; `context` adds to (or overrides) cdk.json's, as `cdk synth -c key=value` does."""
    results: list[tuple[str, bool]] = []

    def spy(bundler: type[Any]) -> Any:
        original = bundler.try_bundle

        def try_bundle(self: Any, output_dir: str, *args: Any, **kwargs: Any) -> bool:
            # CDK falls back to Docker when local bundling returns False; record what it returned.
            bundled: bool = original(self, output_dir, *args, **kwargs)
            results.append((bundler.__name__, bundled))
            return bundled

        return mock.patch.object(bundler, "try_bundle", try_bundle)

    with spy(PipBundling), spy(CompiledCopyBundling):
        app = cdk.App(outdir=str(outdir), context={**cdk_context(), **(context or {})})
        NodeshareStack(app, STACK_NAME, routes=routes)
        if nag:
            cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        assembly = app.synth()
    outdir = Path(assembly.directory)
    parent = assembly.get_stack_by_name(STACK_NAME).template
    nested = {
        logical_id: json.loads((outdir / _nested_file(parent, logical_id)).read_text())
        for logical_id in resources_of_type(parent, NESTED_STACK)
    }
    return Synthesis(outdir=outdir, parent=parent, nested=nested, local_bundling=tuple(results))


def _nested_file(parent: Template, logical_id: str) -> str:
    """The nested template's file in the assembly (asset metadata, which the CLI also turns on)."""
    metadata = parent["Resources"][logical_id]["Metadata"]
    assert metadata["aws:asset:property"] == "TemplateURL", metadata
    return str(metadata["aws:asset:path"])
