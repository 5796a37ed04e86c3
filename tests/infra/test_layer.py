"""The shared layer is bundled locally (no Docker) and ships what the functions import at run
time: the nodeshare package and its third-party dependencies, without the local stack and without
what the Lambda runtime already provides; it and the function code ship bytecode that Lambda's
Python reads."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest

from bench.imports import handler_modules
from infra import LAYER_SOURCE
from infra.bytecode import run_in_pyodide
from infra.layer import RUNTIME_PACKAGES, RUNTIME_VERSION
from infra.lazy_inits import NotRewritable, lazy_source
from tests.infra.assembly import Synthesis
from tests.infra.cfn import only_resource, resources_of_type

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


@pytest.fixture(scope="module")
def function_code_dir(synthesis: Synthesis) -> Path:
    """The route functions' one code asset directory in the cloud assembly."""
    paths = {
        function["Metadata"]["aws:asset:path"]
        for function in resources_of_type(synthesis.template, "AWS::Lambda::Function").values()
        if function["Properties"]["Handler"] != "index.handler"  # CDK's own providers, inline code
    }
    assert len(paths) == 1, paths
    return synthesis.outdir / paths.pop()


def test_assets_are_bundled_locally_without_docker(
    synthesis: Synthesis, layer_dir: Path, function_code_dir: Path
) -> None:
    """CDK asked each local bundler exactly once (one layer, one function code asset) and each
    succeeded, so CDK never fell back to its Docker image; the bundled assets are in the
    assembly."""
    assert sorted(synthesis.local_bundling) == [("CompiledCopyBundling", True), ("PipBundling", True)]
    assert any(layer_dir.iterdir())
    assert any(function_code_dir.iterdir())


def _site_packages() -> Path:
    """This environment's site-packages (where botocore and the runtime's other packages are)."""
    return Path(importlib.util.find_spec("botocore").origin).parent.parent  # type: ignore[union-attr, arg-type]


def _pyc_header(module: Path) -> tuple[bytes, int]:
    """The magic number and the flags of the module's bytecode for Lambda's Python."""
    tag = f"cpython-{RUNTIME_VERSION[0]}{RUNTIME_VERSION[1]}"
    header = (module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc").read_bytes()[:8]
    return header[:4], int.from_bytes(header[4:8], "little")


def test_every_shipped_module_has_unchecked_bytecode_for_lambdas_python(
    layer_dir: Path, function_code_dir: Path
) -> None:
    """Beside every module of the layer and of the function code is a `.pyc` for the runtime's
    Python, unchecked-hash (flags 0b01: the zip's fixed file times cannot make it look stale), all
    of one Python version (one magic number); and there is no other bytecode."""
    modules = [*layer_dir.rglob("*.py"), *function_code_dir.rglob("*.py")]
    headers = {module: _pyc_header(module) for module in modules}

    assert len(modules) > 400
    assert {flags for _, flags in headers.values()} == {0b01}
    assert len({magic for magic, _ in headers.values()}) == 1
    shipped = {*layer_dir.rglob("*.pyc"), *function_code_dir.rglob("*.pyc")}
    assert len(shipped) == len(modules)


@pytest.mark.parametrize("asset", ["layer", "function code"])
def test_an_assets_hash_covers_all_it_ships_bytecode_included(
    layer_dir: Path, function_code_dir: Path, asset: str
) -> None:
    """The asset's hash (its name in the assembly, what CloudFormation sees change) is the
    fingerprint of every file in it: new bytecode alone (another compiler or runtime) makes a new
    asset. An `exclude` on the asset would leave those files out of the hash, not out of the zip."""
    directory = layer_dir if asset == "layer" else function_code_dir

    assert directory.name == f"asset.{cdk.FileSystem.fingerprint(str(directory))}"


# Run by Pyodide's CPython (the runtime's version) over the synthesized assets, mounted where Lambda
# has them, with this environment's copies of the runtime's own packages (and nothing else of it) at
# /runtime: imports every handler and records each module of ours or of the layer that was compiled
# from source instead of read from the shipped bytecode.
_IMPORT_HANDLERS = """
import importlib, importlib.util, json, os, sys
from importlib._bootstrap_external import SourceLoader

os.mkdir("/runtime")
for name in RUNTIME_PACKAGES:
    package = next(path for path in (f"/site/{name}", f"/site/{name}.py") if os.path.exists(path))
    os.symlink(package, f"/runtime/{os.path.basename(package)}")
os.environ.update(AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1")
sys.dont_write_bytecode = True
compiled = []
compile_source = SourceLoader.source_to_code

def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(path)
    return compile_source(self, data, path, *args, **kwargs)

SourceLoader.source_to_code = source_to_code
sys.path[:0] = ["/var/task", "/opt/python", "/runtime"]
for module in MODULES:
    importlib.import_module(module)
files = [getattr(module, "__file__", None) or "" for module in list(sys.modules.values())]
print(json.dumps({
    "version": list(sys.version_info[:2]),
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "compiled": [path for path in compiled if not path.startswith("/runtime/")],
    "shipped_loaded": sum(file.startswith(("/var/task/", "/opt/python/")) for file in files),
}))
"""


def test_lambdas_python_imports_every_handler_from_the_shipped_bytecode(
    layer_dir: Path, function_code_dir: Path
) -> None:
    """Lambda's Python (Pyodide's CPython of the runtime's version, the compiler of the build, run
    as an interpreter) imports every handler of the synthesized function code with the synthesized
    layer and the runtime's packages on its path, and compiles not one module of ours or of the
    layer from source: each is read from its shipped `.pyc` (and a package the layer does not ship
    fails the import, as it would in Lambda). The either-token authorizer is left out (its
    cryptography is built for Lambda's aarch64, not WebAssembly). What handlers import later, when
    a request needs it, has its `.pyc` too (the test above)."""
    modules = handler_modules()  # the ones the bench measures: every handler but the authorizer
    code = f"MODULES = {modules!r}\nRUNTIME_PACKAGES = {RUNTIME_PACKAGES!r}\n{_IMPORT_HANDLERS}"
    printed = run_in_pyodide(
        {"/var/task": function_code_dir, "/opt/python": layer_dir / "python", "/site": _site_packages()}, code
    )
    found = json.loads(printed.strip().splitlines()[-1])

    assert tuple(found["version"]) == RUNTIME_VERSION
    assert found["compiled"] == []
    assert found["shipped_loaded"] > len(modules) + 100
    magic, _ = _pyc_header(function_code_dir / f"{modules[0].replace('.', '/')}.py")
    assert magic.hex() == found["magic"]  # the shipped bytecode is of the Python that read it


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
    botocore = _site_packages()
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
