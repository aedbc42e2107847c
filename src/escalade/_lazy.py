"""Lazy exports for package ``__init__`` files (PEP 562), so that importing stays cheap.

``import escalade`` (and so every ``escalade`` command) would otherwise load
numpy, YAML, the solvers and, through them, far more than ``escalade
--version`` or ``escalade list`` use. A package that exports lazily writes
its imports once, under ``if typing.TYPE_CHECKING:`` (type checkers and
readers see them as usual), and ends with::

    __getattr__, __dir__ = _lazy.lazy_exports(__name__)

Each exported name is then imported from its module the first time it is
used, and cached in the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

__all__ = ["lazy_exports"]


def _typing_only_imports(package: str) -> dict[str, tuple[str, str]]:
    """``{exported name: (module, name in module)}`` from the package's ``TYPE_CHECKING`` block."""
    import ast  # here, not above: only a package's first lazy lookup pays for it
    from importlib.abc import InspectLoader

    spec = sys.modules[package].__spec__
    loader = spec.loader if spec is not None else None
    source = loader.get_source(package) if isinstance(loader, InspectLoader) else None
    if source is None:
        raise ImportError(f"cannot read the source of {package} to find its exports")
    found: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                    for alias in stmt.names:
                        found[alias.asname or alias.name] = (stmt.module, alias.name)
    return found


def lazy_exports(
    package: str,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package that imports its exports on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``; the names it exports are the ones it
        imports under ``if typing.TYPE_CHECKING:`` (absolute ``from ... import``).

    Returns
    -------
    (__getattr__, __dir__)
        To assign at the end of the package's ``__init__.py``.

    Examples
    --------
    >>> import escalade
    >>> "solve" in dir(escalade)
    True
    >>> escalade.solve.__module__
    'escalade._api'
    """
    table: dict[str, tuple[str, str]] | None = None

    def exports() -> dict[str, tuple[str, str]]:
        nonlocal table
        if table is None:
            table = _typing_only_imports(package)
        return table

    def __getattr__(name: str) -> object:
        where = exports().get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[0]), where[1])
        setattr(sys.modules[package], name, value)  # cached: the next lookup is a plain one
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports()))

    return __getattr__, __dir__
