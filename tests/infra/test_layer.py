"""The shared layer is bundled locally (no Docker) and ships what the functions import at run
time: the nodeshare package and its third-party dependencies, without the local stack and without
what the Lambda runtime already provides."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import LAYER_SOURCE
from tests.infra.assembly import Synthesis
from tests.infra.cfn import only_resource

SHIPPED = [
    "python/nodeshare/__init__.py",
    "python/nodeshare/routes.py",
    "python/nodeshare/store/models.py",
    "python/pynamodb",
    "python/aws_lambda_powertools",
    "python/fastjsonschema",
    "python/jwt",  # the either-token authorizer verifies tokens (nodeshare.http.tokens)
    "python/cryptography",
]
NOT_SHIPPED = [
    "python/nodeshare/local",  # the local stack (moto, gateway, pollers) never runs in Lambda
    "python/botocore",  # provided by the Lambda runtime
    "python/boto3",
]


@pytest.fixture(scope="module")
def layer_dir(synthesis: Synthesis) -> Path:
    """The layer's asset directory in the cloud assembly (its resource's `aws:asset:path`)."""
    _, layer = only_resource(synthesis.template, "AWS::Lambda::LayerVersion")
    metadata = layer["Metadata"]
    assert metadata["aws:asset:property"] == "Content"
    assert metadata["aws:asset:is-bundled"] is True
    path = synthesis.outdir / metadata["aws:asset:path"]
    assert path.is_dir(), path
    return path


def test_layer_is_bundled_locally_without_docker(synthesis: Synthesis, layer_dir: Path) -> None:
    """CDK asked the local bundler exactly once (one layer) and it succeeded, so CDK never fell
    back to its Docker image; the bundled asset is in the assembly."""
    assert synthesis.local_bundling == (True,)
    assert any(layer_dir.iterdir())


@pytest.mark.parametrize("relative", SHIPPED)
def test_layer_contains_what_lambda_imports(layer_dir: Path, relative: str) -> None:
    """Under `python/` (Lambda's layer path for Python) are the nodeshare package and its
    third-party packages."""
    assert (layer_dir / relative).exists(), relative


@pytest.mark.parametrize("relative", NOT_SHIPPED)
def test_layer_leaves_out_what_lambda_must_not_get(layer_dir: Path, relative: str) -> None:
    """The local stack is not shipped, nor boto3/botocore, which the runtime provides."""
    assert not (layer_dir / relative).exists(), relative


def test_local_stack_exclusion_is_not_vacuous() -> None:
    """The layer source does contain `nodeshare/local` (with Python modules), so its absence from
    the asset is the bundler's doing."""
    local = LAYER_SOURCE / "python" / "nodeshare" / "local"

    assert any(local.glob("*.py")), local
