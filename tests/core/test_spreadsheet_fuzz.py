"""Random bytes and random well-formed files through every spreadsheet parser.

Whatever arrives, a parser answers with its own error type (ServiceError for
the shared reader and the unit import, ImportProblems for the question
bank), never with anything else: anything else is a 500. The registration
import's run is in tests/events/test_import_fuzz.py, beside its fixtures.
"""

import contextlib
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.imports import orgunits_import
from core.errors import ServiceError
from core.spreadsheets import Column, read_spreadsheet
from quizzes.formats import COLUMNS as QUESTION_COLUMNS
from quizzes.formats import ImportProblems, parse_xlsx

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
COLUMNS = (Column("code", ("Mã",), required=True), Column("name", ("Tên",), required=True))

# Cells as people and legacy fonts type them: Vietnamese, TCVN3/VNI bytes,
# numbers, formulas, control characters, long runs.
cell_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="aăâeêioôơuưyđAĂÂĐ àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ¨©ª«¬®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÑ", max_size=30),
    st.sampled_from(["1e23", "Infinity", "-0", "=1+1", "NaN", "", " ", "\x00", "x" * 300, "Ghi chú", "Hä vµ tªn"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
)


def headers_for(columns):
    return st.lists(
        st.one_of(st.sampled_from([h for c in columns for h in c.headers]), st.text(max_size=12)),
        min_size=1,
        max_size=len(columns) + 2,
    )


def table(columns):
    return st.tuples(headers_for(columns), st.lists(st.lists(cell_text, max_size=8), max_size=15))


def to_xlsx(header, rows) -> bytes:
    book = Workbook()
    for row in [header, *rows]:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(header, rows, encoding, delimiter) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *[[str(v) for v in row] for row in rows]])
    return buffer.getvalue().encode(encoding, errors="replace")


def well_formed(columns):
    return st.one_of(
        table(columns).map(lambda t: (to_xlsx(*t), "a.xlsx")),
        st.tuples(table(columns), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "cp1252"]),
                  st.sampled_from([",", ";", "\t"])).map(lambda t: (to_csv(*t[0], t[1], t[2]), "a.csv")),
    )  # fmt: skip


@st.composite
def damaged_xlsx(draw, columns):
    """A real workbook with bytes flipped, cut or inserted: zip and XML damage in every place."""
    data = bytearray(to_xlsx(*draw(table(columns))))
    for _ in range(draw(st.integers(1, 8))):
        # A share of the length, not an index: openpyxl stamps the time into the
        # workbook, so its length varies and Hypothesis must draw the same way each time.
        position = draw(st.integers(0, 9_999)) * len(data) // 10_000
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position:]
            if not data:
                data = bytearray(b"PK\x03\x04")
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data), "a.xlsx"


def any_file(columns):
    return st.one_of(
        st.tuples(st.binary(max_size=2000), st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.pdf"])),
        st.tuples(st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b), st.just("a.xlsx")),
        well_formed(columns),
        damaged_xlsx(columns),
    )


@SETTINGS
@given(upload=any_file(COLUMNS))
def test_the_shared_reader(upload):
    data, filename = upload
    with contextlib.suppress(ServiceError):
        read_spreadsheet(data, filename=filename, columns=COLUMNS)


@pytest.mark.django_db
@SETTINGS
@given(upload=any_file(COLUMNS))
def test_the_unit_import(upload):
    data, filename = upload
    with contextlib.suppress(ServiceError):
        orgunits_import(file=data, filename=filename, dry_run=True)


@pytest.mark.django_db
@SETTINGS
@given(upload=any_file(QUESTION_COLUMNS))
def test_the_question_bank_spreadsheet(upload):
    data, filename = upload
    with contextlib.suppress(ImportProblems):
        parse_xlsx(data, filename=filename)
