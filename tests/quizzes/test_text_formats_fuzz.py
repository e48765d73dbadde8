"""Hypothesis feeds random bytes and random GIFT- and Aiken-shaped text to the text importers:
whatever comes in, the only error that may come out is the importer's own (``ImportProblems``)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes import formats
from quizzes.formats import ImportProblems

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# The characters GIFT gives a meaning to, and the words around them, so the
# random files reach the answer-block parsers rather than stopping at the text.
GIFT_PIECES = st.sampled_from(
    [
        "{", "}", "=", "~", "#", "####", ":", "::", "->", "%", "%50%", "%-100%", "%abc%", "\\", "\\{", "\\n",
        "..", "*", "T", "FALSE", "[html]", "[plain]", "[markdown]", "[moodle]", "<b>", "$CATEGORY: $course$/top/A",
        "// tdkt: marks=2; partial=1", "// tdkt: scenario=S", "\n", "\n\n", " ", "Câu hỏi", "2024", "3:2", "1..5",
        "-0.5", "1e400", "NaN", "đúng", "sai",
    ]
)  # fmt: skip
AIKEN_PIECES = st.sampled_from(["\n", "\n\n", "A. ", "B) ", "ANSWER: ", "A", "B", "Z", "Câu hỏi?", "<b>", "  "])


def _parse(fmt: str, content: bytes) -> None:
    try:
        formats.parse(fmt, content)
    except ImportProblems as problems:
        assert problems.problems and all(str(p) for p in problems.problems)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["gift", "aiken"]))
def test_random_bytes_only_raise_the_importers_error(content, fmt):
    _parse(fmt, content)


@FUZZ
@given(st.lists(GIFT_PIECES, max_size=40))
def test_random_gift_shaped_text_only_raises_the_importers_error(pieces):
    _parse("gift", "".join(pieces).encode())


@FUZZ
@given(st.lists(AIKEN_PIECES, max_size=40))
def test_random_aiken_shaped_text_only_raises_the_importers_error(pieces):
    _parse("aiken", "".join(pieces).encode())
