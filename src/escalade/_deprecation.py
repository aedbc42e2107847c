"""Deprecations: old names kept working for one release, with a warning naming the new one."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["renamed_keyword", "warn_renamed"]

_F = TypeVar("_F", bound=Callable[..., Any])


def renamed_keyword(old: str, new: str) -> Callable[[_F], _F]:
    """Keep accepting ``old=`` for one release, with a DeprecationWarning naming ``new=``.

    Examples
    --------
    >>> @renamed_keyword("set", "overrides")
    ... def f(*, overrides=None):
    ...     return overrides
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(set={"p": 1})
    {'p': 1}
    >>> str(caught[0].message)
    'f(..., set=...) is deprecated and will stop working in escalade 0.3; use overrides= instead'
    """

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(
                        f"{func.__name__}() got both {old}= and {new}=; {old}= is the old "
                        f"name of {new}=, give only {new}="
                    )
                warn_renamed(func.__name__, old, new, stacklevel=3)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return cast(_F, wrapper)

    return decorate


def warn_renamed(function: str, old: str, new: str, *, stacklevel: int = 2) -> None:
    """Warn that ``function``'s keyword ``old=`` is now ``new=`` (for code that checks by hand).

    Use it where a decorator cannot: an old keyword that could also be given
    positionally.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_renamed("summary", "n", "max_rows")
    >>> str(caught[0].message)
    'summary(..., n=...) is deprecated and will stop working in escalade 0.3; use max_rows= instead'
    """
    warnings.warn(
        f"{function}(..., {old}=...) is deprecated and will stop working in "
        f"escalade 0.3; use {new}= instead",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )
