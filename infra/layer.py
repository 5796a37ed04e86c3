"""The shared layer: the `nodeshare` package plus its third-party packages, bundled without Docker.

CDK calls `PipBundling.try_bundle`, which pip-installs `layers/shared/requirements.txt` for
Lambda's platform into the asset, makes the package `__init__`s named in `infra/lazy_inits.py` lazy
(README, "Cold start"), and copies the package beside it. The installed packages are cached by the
hash of the requirements and of that rewriting, so repeated synths only copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import LAYER_SOURCE, ROOT, lazy_inits

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
_PLATFORM = "manylinux2014_aarch64"
CACHE = ROOT / ".cache" / "layer"


@jsii.implements(ILocalBundling)
class PipBundling:
    def __init__(self, source: Path) -> None:
        self.source = source

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        requirements = self.source / "requirements.txt"
        key = hashlib.sha256(
            requirements.read_bytes()
            + f"{_PLATFORM} {RUNTIME.name} no-compile".encode()
            + Path(lazy_inits.__file__).read_bytes()  # a change to the rewriting rebuilds
        ).hexdigest()[:16]
        packages = CACHE / key
        if not packages.exists():
            # Staged per process and renamed into place: two synths at once (parallel test workers)
            # may both install; the first rename wins and the other copy is dropped.
            staging = CACHE / f"{key}.partial-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            subprocess.run(
                [
                    sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--requirement", str(requirements), "--target", str(staging),
                    "--platform", _PLATFORM, "--implementation", "cp",
                    "--python-version", RUNTIME.name.removeprefix("python"), "--only-binary=:all:",
                ],
                check=True,
            )  # fmt: skip
            for package in lazy_inits.LAZY_PACKAGES:  # fewer modules compiled at each cold start
                lazy_inits.rewrite(staging, package)
            try:
                staging.rename(packages)
            except OSError:
                if not packages.exists():
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        target = Path(output_dir) / "python"
        shutil.copytree(packages, target, dirs_exist_ok=True)
        shutil.copytree(
            self.source / "python" / "nodeshare",
            target / "nodeshare",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "local"),
            dirs_exist_ok=True,
        )
        return True


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(
                str(LAYER_SOURCE),
                # Hash what is shipped, so a new platform or runtime makes a new layer version.
                asset_hash_type=AssetHashType.OUTPUT,
                exclude=["**/__pycache__", "**/*.pyc", "python/nodeshare/local"],
                bundling=BundlingOptions(
                    # Never used: local bundling always succeeds, so no Docker is needed.
                    image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
                    local=PipBundling(LAYER_SOURCE),
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="nodeshare package and its third-party dependencies",
        )
