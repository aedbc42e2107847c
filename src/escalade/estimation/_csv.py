"""Read a CSV file, or take a pandas DataFrame, as a :class:`DataTable` of text cells.

Files are decoded as UTF-8 (with or without a byte-order mark) or UTF-16
with one unless told otherwise, and the delimiter is the one of
``, ; tab |`` the header line uses most unless given. A file that cannot
be read this way is a :class:`~escalade.errors.DataError` with its line.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError
from escalade.estimation._data import DELIMITERS, DataTable, RowLabels

__all__ = ["read_data"]

_MAX_BYTES = 500_000_000


def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise DataError(f"{name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise DataError(
                f"{name}: line {line}: the file is not {encoding} text "
                f"(byte 0x{raw[exc.start]:02x}); give the file's encoding"
            ) from None
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec, errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{name}: line {line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save it as UTF-8 or give its encoding (encoding='latin-1' in Python, "
            "--encoding latin-1 on the command line)"
        ) from None


def _sniff(text: str, name: str, delimiter: str | None) -> str:
    if delimiter is not None:
        if len(delimiter) != 1:
            raise DataError(f"{name}: the delimiter must be one character, found {delimiter!r}")
        return delimiter
    head = text.split("\n", 1)[0]
    counts = {d: head.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_data(
    source: str | Path | Any,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> DataTable:
    """Read a CSV file (or take a pandas DataFrame) as a :class:`DataTable`.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
    encoding : str, optional
        The file's encoding (default: UTF-8, with or without a byte-order
        mark, or UTF-16 with one).
    delimiter : str, optional
        The field separator (default: whichever of ``, ; tab |`` the header
        line uses most).

    Raises
    ------
    DataError
        For a missing, unreadable or malformed file.

    Examples
    --------
    >>> import io, pandas as pd
    >>> t = read_data(pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"]}))
    >>> t.columns, t.n_rows
    (('x', 'g'), 2)
    """
    if hasattr(source, "columns") and hasattr(source, "iloc"):
        return _from_frame(source)
    name = str(source)
    text = _decode(_read_bytes(name), name, encoding)
    return _parse_csv(text, name, _sniff(text, name, delimiter))


def _read_bytes(name: str) -> bytes:
    """The bytes of the file ``name``, or a DataError saying why not."""
    path = Path(name)
    try:
        if path.is_dir():
            raise DataError(f"{name}: expected a CSV file, found a folder")
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise DataError(f"{name}: the file is {size:,} bytes; the limit is {_MAX_BYTES:,}")
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except PermissionError:
        raise DataError(f"{name}: cannot read the file: permission denied") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read the file: {exc.strerror or exc}") from None


def _parse_csv(text: str, name: str, sep: str) -> DataTable:
    """The table of a decoded CSV text: a header of distinct names, rows of as many fields."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError(f"{name}: the file is empty; expected a header line of column names")
        columns = tuple(h.strip() for h in header)
        seen: set[str] = set()
        for c in columns:
            if c in seen:
                raise DataError(f"{name}: line 1: the column {c!r} appears twice in the header")
            seen.add(c)
        rows: list[list[str]] = []
        where: list[int] = []
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(columns):
                raise DataError(
                    f"{name}: line {reader.line_num}: expected {len(columns)} fields (as the "
                    f"header), found {len(row)}"
                )
            rows.append(row)
            where.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"{name}: line {reader.line_num}: malformed CSV: {exc}") from None
    cells = {c: np.array([r[j].strip() for r in rows], dtype=object) for j, c in enumerate(columns)}
    return DataTable(name, columns, cells, RowLabels("line", where))


def _from_frame(df: Any) -> DataTable:
    import pandas as pd

    columns = tuple(str(c) for c in df.columns)
    if len(set(columns)) != len(columns):
        raise DataError("<DataFrame>: column names must be unique")
    cells: dict[str, NDArray[Any]] = {}
    levels: dict[str, tuple[str, ...]] = {}
    for c, col in zip(columns, df.columns, strict=True):
        series = df[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels[c] = tuple(str(x) for x in series.cat.categories)
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":
            # numpy integers or floats: no missing value but NaN, no conversion to check
            cells[c] = series.to_numpy().astype(np.float64)
        elif pd.api.types.is_bool_dtype(series.dtype):
            cells[c] = series.to_numpy(dtype=np.float64)
        elif pd.api.types.is_numeric_dtype(series.dtype) and c not in levels:
            cells[c] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            text = series.astype(str).to_numpy(dtype=object)
            text[series.isna().to_numpy()] = None
            cells[c] = text
    return DataTable("<DataFrame>", columns, cells, RowLabels("row", df.index.tolist()), levels)


# ---------------------------------------------------------------------------
# typed columns
