"""The Arrow compute kernels firecheck uses (a batch, the zones cache), called by name.

``import pyarrow.compute`` wraps each of Arrow's ~290 kernels in a generated Python
function with a docstring scraped at import: ~50 ms of every batch, one of the largest
costs a batch pays before its first row. The kernels themselves are in ``pyarrow._compute``
(``call_function`` is ``pyarrow.compute.call_function``); this module calls the few
firecheck needs directly. Arrow's own methods that lean on the wrappers (``Array.cast``,
``.take``, ``.fill_null``, ``.dictionary_encode``) import them, so firecheck calls these
instead (a test runs a batch and checks that ``pyarrow.compute`` stayed unimported).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from pyarrow._compute import (
    CastOptions,
    JoinOptions,
    MatchSubstringOptions,
    SetLookupOptions,
    call_function,
)

Values = Any  # a pyarrow Array, ChunkedArray or Scalar (what a kernel takes and gives)


def cast(values: Values, to: pa.DataType) -> Values:
    """``values`` as ``to``; ArrowInvalid where a value does not convert (safe cast)."""
    return call_function("cast", [values], CastOptions.safe(to))


def fill_null(values: Values, fill: Any) -> Values:
    """``values`` with each null replaced by ``fill`` (a Python value of their type)."""
    return call_function("coalesce", [values, pa.scalar(fill, type=values.type)])


def take(values: Values, indices: Values) -> Values:
    """``values[indices]`` (bounds checked)."""
    return call_function("take", [values, indices])


def dictionary_encode(values: Values) -> Values:
    """The distinct values (in order of first appearance) and each row's index into them;
    nulls stay null."""
    return call_function("dictionary_encode", [values])


def if_else(condition: Values, then: Any, otherwise: Any) -> Values:
    """Per row, ``then`` where ``condition`` holds, else ``otherwise``."""
    return call_function("if_else", [condition, then, otherwise])


def matches(text: Values, pattern: str) -> Values:
    """Whether each text matches the RE2 ``pattern`` (null for null text)."""
    return call_function("match_substring_regex", [text], MatchSubstringOptions(pattern))


def starts_with(text: Values, prefix: str) -> Values:
    """Whether each text starts with ``prefix`` (null for null text)."""
    return call_function("starts_with", [text], MatchSubstringOptions(prefix))


def trim_whitespace(text: Values) -> Values:
    """Each text without leading and trailing Unicode whitespace."""
    return call_function("utf8_trim_whitespace", [text])


def length(text: Values) -> Values:
    """Each text's length in characters."""
    return call_function("utf8_length", [text])


def is_space(text: Values) -> Values:
    """Whether each non-empty text is all whitespace (false for empty text)."""
    return call_function("utf8_is_space", [text])


def equal(left: Values, right: Any) -> Values:
    return call_function("equal", [left, right])


def or_(left: Values, right: Values) -> Values:
    return call_function("or", [left, right])


def and_(left: Values, right: Values) -> Values:
    return call_function("and", [left, right])


def invert(values: Values) -> Values:
    return call_function("invert", [values])


def any_true(values: Values) -> bool:
    """Whether any value is true (nulls skipped)."""
    return bool(call_function("any", [values]).as_py())


def flatten(lists: Values) -> Values:
    """The lists' values, one after another."""
    return call_function("list_flatten", [lists])


def join_lists(lists: Values, separator: str) -> Values:
    """Each list of texts joined by ``separator``."""
    return call_function("binary_join", [lists, separator])


def concatenate(*texts: Any) -> Values:
    """Per row, the texts (arrays or Python strings) run together; null if any is null."""
    return call_function("binary_join_element_wise", [*texts, ""], JoinOptions())


def index_in(values: Values, known: pa.Array) -> Values:
    """Each value's index in ``known`` (null where absent)."""
    return call_function("index_in", [values], SetLookupOptions(known))


def value_counts(values: Values) -> list[dict[str, Any]]:
    """Each distinct value and how many times it occurs: [{'values': v, 'counts': n}]."""
    return call_function("value_counts", [values]).to_pylist()
