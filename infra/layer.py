"""The shared layer: the `nodeshare` package plus its third-party packages, bundled without Docker.

CDK calls `PipBundling.try_bundle`, which pip-installs `layers/shared/requirements.txt` for
Lambda's platform into the asset, makes the package `__init__`s named in `infra/lazy_inits.py` lazy
(README, "Cold start"), and copies the package beside it, each module with its bytecode for
Lambda's Python (`infra/bytecode.py`). The installed packages are cached by the hash of the
requirements, of that rewriting and of the compilation, and the compiled package by the hash of its
files, so repeated synths only copy.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import LAYER_SOURCE, bytecode, lazy_inits
from infra.build_cache import cached_folder

RUNTIME = lambda_.Runtime.PYTHON_3_14
_MAJOR, _MINOR = RUNTIME.name.removeprefix("python").split(".")
RUNTIME_VERSION = (int(_MAJOR), int(_MINOR))  # what the bytecode is compiled for (infra/bytecode.py)
ARCHITECTURE = lambda_.Architecture.ARM_64
_PLATFORM = "manylinux2014_aarch64"
# What the Lambda Python runtime brings, so the layer does not ship it: boto3 and its dependencies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# What CDK would bundle with if local bundling failed; it never does, so no Docker is needed.
UNUSED_DOCKER_IMAGE = DockerImage.from_registry(f"public.ecr.aws/sam/build-{RUNTIME.name}")


@jsii.implements(ILocalBundling)
class PipBundling:
    def __init__(self, source: Path) -> None:
        self.source = source

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        requirements = self.source / "requirements.txt"
        key = hashlib.sha256(
            requirements.read_bytes()
            + f"{_PLATFORM} {RUNTIME.name} no-compile pyodide {bytecode.PYODIDE_VERSION}".encode()
            + Path(lazy_inits.__file__).read_bytes()  # a change to the rewriting rebuilds
            + Path(bytecode.__file__).read_bytes()  # and so does one to the compilation
        ).hexdigest()[:16]
        packages = cached_folder("layer", key, lambda staging: self._install(requirements, staging))
        nodeshare = bytecode.compiled_copy(self.source / "python" / "nodeshare", RUNTIME_VERSION, {"local"})
        target = Path(output_dir) / "python"
        shutil.copytree(packages, target, dirs_exist_ok=True)
        shutil.copytree(nodeshare, target / "nodeshare", dirs_exist_ok=True)
        return True

    @staticmethod
    def _install(requirements: Path, staging: Path) -> None:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                "--requirement", str(requirements), "--target", str(staging),
                "--platform", _PLATFORM, "--implementation", "cp",
                "--python-version", RUNTIME.name.removeprefix("python"), "--only-binary=:all:",
            ],
            check=True,
        )  # fmt: skip
        for package in lazy_inits.LAZY_PACKAGES:  # fewer modules loaded at each cold start
            lazy_inits.rewrite(staging, package)
        bytecode.compile_for_runtime(staging, RUNTIME_VERSION)


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(
                str(LAYER_SOURCE),
                # Hash all that is shipped, bytecode included (so no `exclude`: CDK leaves what it
                # excludes out of the output's hash too), so a new platform, runtime or compiler
                # makes a new layer version. The bundling leaves out `nodeshare/local` itself.
                asset_hash_type=AssetHashType.OUTPUT,
                bundling=BundlingOptions(
                    image=UNUSED_DOCKER_IMAGE,
                    local=PipBundling(LAYER_SOURCE),
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="nodeshare package and its third-party dependencies",
        )
