"""The shared layer is bundled locally (no Docker) and ships what the functions import at run
time: the nodeshare package and its third-party dependencies, without the local stack and without
what the Lambda runtime already provides."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra import LAYER_SOURCE
from infra.lazy_inits import NotRewritable, lazy_source
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


# What the lazy `__init__`s no longer load when the package is imported (infra/lazy_inits.py).
NOT_LOADED_ON_IMPORT = {
    "aws_lambda_powertools.event_handler": ["aws_lambda_powertools.event_handler.appsync", "asyncio"],
    "aws_lambda_powertools.utilities.data_classes": [
        "aws_lambda_powertools.utilities.data_classes.s3_event",
        "aws_lambda_powertools.utilities.data_classes.kafka_event",
    ],
}

_CHECK_LAZY = """
import ast, importlib, json, sys
package, original = sys.argv[1], sys.argv[2]
module = importlib.import_module(package)
loaded = sorted(sys.modules)
names = ast.literal_eval(next(
    node.value for node in ast.parse(open(original).read()).body
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
))
resolved = {name: getattr(getattr(module, name), "__module__", None) is not None for name in names}
exec(f"from {package} import *")  # every name of __all__, as `import *` resolves them
print(json.dumps({"loaded": loaded, "resolved": resolved, "all": module.__all__}))
"""


@pytest.mark.parametrize("package", sorted(NOT_LOADED_ON_IMPORT))
def test_layer_package_inits_are_lazy_with_the_same_names(layer_dir: Path, package: str) -> None:
    """The layer's copy of `package` (rewritten by `infra/lazy_inits.py`) exports the names of the
    original `__init__` (this environment's, the same pinned Powertools), each one resolving to an
    object of a Powertools module, and importing the package loads none of the modules it used to
    load eagerly; run from the synthesized layer alone, in a fresh interpreter."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin
    rewritten = layer_dir / "python" / Path(*package.split(".")) / "__init__.py"
    assert "Rewritten by nodeshare's layer build" in rewritten.read_text()
    botocore = Path(importlib.util.find_spec("botocore").origin).parent.parent  # type: ignore[union-attr, arg-type]
    code = f"import sys; sys.path[:0] = [{str(layer_dir / 'python')!r}, {str(botocore)!r}]\n" + _CHECK_LAZY
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code, package, spec.origin],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(result.stdout)

    assert all(found["resolved"].values()), found["resolved"]
    assert found["all"] == list(found["resolved"])
    assert not set(NOT_LOADED_ON_IMPORT[package]) & set(found["loaded"])


def test_lazy_inits_refuse_an_init_that_does_more_than_import() -> None:
    """An `__init__` with a statement besides imports and `__all__` stops the build."""
    with pytest.raises(NotRewritable):
        lazy_source("package", '"""doc"""\nfrom .a import b\nsetup()\n', {"a"})


def test_lazy_inits_keep_a_name_that_is_also_a_submodule_eager() -> None:
    """`from .event_source import event_source`: the function, not the module, even after the
    submodule is imported by someone else."""
    init = "from .event_source import event_source\nfrom .x import Y\n"

    source = lazy_source("pkg", init, {"event_source", "x"})

    assert "from pkg.event_source import event_source" in source
    assert "'Y': ('pkg.x', 'Y')" in source
