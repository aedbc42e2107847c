"""Words for counts in messages and summaries: ``1 run``, ``2 runs``, ``3 policies``."""

from __future__ import annotations

__all__ = ["noun"]


def noun(n: int, singular: str, plural: str | None = None) -> str:
    """``singular`` for exactly one, else ``plural`` (default: ``singular`` + ``s``).

    The caller writes the number, formatted as it likes.

    Parameters
    ----------
    n : int
        The count.
    singular : str
        The word (or words) for one: ``"reachable state"``.
    plural : str, optional
        The word for any other count, when it is not ``singular + "s"``.

    Returns
    -------
    str

    Examples
    --------
    >>> f"{1:,} {noun(1, 'reachable state')} per world"
    '1 reachable state per world'
    >>> f"{2_000:,} {noun(2_000, 'run')}", f"3 {noun(3, 'policy', 'policies')}"
    ('2,000 runs', '3 policies')
    """
    if n == 1:
        return singular
    return singular + "s" if plural is None else plural
