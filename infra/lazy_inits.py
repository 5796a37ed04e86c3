"""Lazy package `__init__`s for the layer: the same names, each imported when first used.

Importing `aws_lambda_powertools.event_handler.api_gateway` (the HTTP API resolver) runs the
package's `__init__` first, as Python always does, and that one imports every resolver Powertools
has (AppSync, and asyncio with it, Bedrock agents, VPC Lattice, ...); `api_gateway` in turn imports
`aws_lambda_powertools.utilities.data_classes`, whose `__init__` imports some thirty event classes
(S3, SES, Kafka, CodePipeline, ...). Importing the submodule directly does not avoid either: the
cost is in the `__init__`s. Each of those modules is loaded and run at every cold start (compiled
from source too, before the layer shipped bytecode: README "Cold start"), for a function that uses
one resolver and one event class.

So the layer's bundling (`infra/layer.py`) rewrites the `__init__`s named in `LAZY_PACKAGES` into
their lazy form (PEP 562 module `__getattr__`): the same `__all__`, each name resolved to the same
object from the same submodule, on first access. Only an `__init__` made of a docstring,
`from ... import ...` statements and `__all__` is rewritten; anything else stops the build
(`NotRewritable`), so a Powertools upgrade that changes one is seen, never half-converted. A name
that is also a submodule's name (`data_classes.event_source`, a function in a module of that name)
stays an eager import, so importing the submodule can never shadow it.
`tests/infra/test_layer.py` imports every name of the rewritten packages from the synthesized
layer and checks what they no longer load.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAZY_PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")

_GETATTR = """

def __getattr__(name):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = globals()[name] = getattr(importlib.import_module(module), attribute)
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
"""


class NotRewritable(Exception):
    """The `__init__` holds more than imports and `__all__`: rewriting it could change behaviour."""


def lazy_source(package: str, source: str, submodules: set[str]) -> str:
    """The lazy form of `package`'s `__init__` `source` (`submodules`: the package's module names)."""
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    lazy: dict[str, tuple[str, str]] = {}
    eager: list[str] = []
    exported: list[str] | None = None
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the docstring
        if isinstance(statement, ast.ImportFrom) and statement.module:
            # `from .x import y` in an `__init__` is relative to the package itself.
            base = package.rsplit(".", statement.level - 1)[0] if statement.level else ""
            module = f"{base}.{statement.module}" if base else statement.module
            names = [(alias.asname or alias.name, alias.name) for alias in statement.names]
            if any(name == "*" or name in submodules for name, _ in names):
                eager.append(f"from {module} import {', '.join(a for a, _ in names)}")
            else:
                lazy.update((name, (module, attribute)) for name, attribute in names)
            continue
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "__all__"
        ):
            exported = list(ast.literal_eval(statement.value))
            continue
        raise NotRewritable(f"{package}/__init__.py line {statement.lineno}: {ast.unparse(statement)[:80]}")
    lines = [
        repr(docstring or ""),
        "# Rewritten by nodeshare's layer build (infra/lazy_inits.py): each name imported on first use.",
        "",
        "import importlib",
        *eager,
        "",
        f"_LAZY = {lazy!r}",
    ]
    if exported is not None:
        lines.append(f"__all__ = {exported!r}")
    return "\n".join(lines) + _GETATTR


def rewrite(site: Path, package: str) -> None:
    """Rewrite `package`'s `__init__` under `site` (a folder of installed packages) in place."""
    folder = site.joinpath(*package.split("."))
    init = folder / "__init__.py"
    submodules = {path.stem for path in folder.glob("*.py")} | {
        path.name for path in folder.iterdir() if (path / "__init__.py").exists()
    }
    init.write_text(lazy_source(package, init.read_text(), submodules - {"__init__"}))
