"""Whatever the bank import's preview accepts, its confirmation writes as shown (issue 12 §3).

Files that once previewed as valid and then failed on confirm (a 500, and a
pending import every retry failed again on) are refused in the preview with
their line (GIFT, Aiken) or row (XLSX); a file previewed before these checks
existed is refused the same way by its confirmation, which writes nothing and
can be retried.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.models import PendingImport
from quizzes import formats, services
from quizzes.models import CaseStudy, Category, Question
from tests.factories import QuestionCategoryFactory

pytestmark = pytest.mark.django_db

MARKS = "Marks must lie between 0.01 and 999.99, with at most 2 decimals."
GOOD = "::Tốt:: Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào? {=01/01/2024 ~01/01/2023}\n"


@pytest.fixture
def target(db):
    return QuestionCategoryFactory(name="Nhập thử")


def preview(client, category, content: bytes, fmt: str, name: str):
    return client.post(
        reverse("quizzes:import"),
        {"category": category.pk, "format": fmt, "file": SimpleUploadedFile(name, content)},
    )


def confirm(client, token: str):
    return client.post(reverse("quizzes:import"), {"confirm": "1", "token": token})


def shown_problems(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(str(p.place), p.message) for p in response.context["problems"]]


def assert_refused_everywhere(client, editor, category, content: bytes, fmt: str, name: str, expected) -> None:
    """The preview lists ``expected`` (place, message) and offers no confirmation; a token issued
    for the same file (a preview made before these checks) confirms nothing, without a 500, and
    stays usable rather than stuck."""
    client.force_login(editor)
    before = Question.objects.count(), Category.objects.count(), CaseStudy.objects.count()
    response = preview(client, category, content, fmt, name)
    found = shown_problems(response)
    assert expected in found, found
    assert 'name="confirm"' not in response.content.decode()
    assert not PendingImport.objects.exists()

    token = services.bank_import_prepare(actor=editor, category=category, fmt=fmt, content=content, filename=name)
    for _attempt in range(2):
        answer = confirm(client, token)
        assert expected in shown_problems(answer)
        assert PendingImport.objects.get(token=token).status == PendingImport.Status.PENDING
    assert (Question.objects.count(), Category.objects.count(), CaseStudy.objects.count()) == before


# --- GIFT ----------------------------------------------------------------------------


@pytest.mark.parametrize("marks", ["1e23", "Infinity", "-Infinity", "NaN", "sNaN", "-1", "0", "0.005", "1000"])
def test_gift_marks_the_column_cannot_hold_are_refused_by_line(client, editor, target, marks):
    content = f"{GOOD}\n// tdkt: marks={marks}\n::Điểm:: Câu có điểm lạ? {{=Một ~Hai}}\n".encode()
    assert_refused_everywhere(client, editor, target, content, "gift", "bank.gift", ("line 4", MARKS))


def test_gift_category_longer_than_its_column_is_refused_at_its_line(client, editor, target):
    content = f"{GOOD}\n$CATEGORY: $course$/top/{'Đ' * 201}\n\n{GOOD}".encode()
    expected = ("line 3", "The category name is longer than 200 characters.")
    assert_refused_everywhere(client, editor, target, content, "gift", "bank.gift", expected)
    # Said once, not again for each question under it.
    client.force_login(editor)
    found = shown_problems(preview(client, target, content, "gift", "bank.gift"))
    assert found == [expected]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"::{'T' * 256}:: Câu? {{=Một ~Hai}}", "The question's title is longer than 255 characters."),
        (f"// tdkt: article={'Đ' * 101}\nCâu? {{=Một ~Hai}}", "The article is longer than 100 characters."),
        (f"// tdkt: case={'T' * 201}\nCâu? {{=Một ~Hai}}", "The case study's title is longer than 200 characters."),
        (
            f"Ghép? {{=Một -> {'x' * 501} =Hai -> 2}}",
            "A right-hand item of the matching question is longer than 500 characters.",
        ),
    ],
)
def test_gift_texts_longer_than_their_columns_are_refused_by_line(client, editor, target, text, message):
    content = f"{GOOD}\n{text}\n".encode()
    line = 4 if text.startswith("//") else 3
    assert_refused_everywhere(client, editor, target, content, "gift", "bank.gift", (f"line {line}", message))


def test_gift_nul_byte_after_the_first_8_kb_is_refused_by_line(client, editor, target):
    good = "\n".join([GOOD] * 80)
    assert len(good.encode()) > 8192
    lines = good.count("\n") + 2
    content = f"{good}\nCâu có\x00ký tự NUL? {{=Một ~Hai}}\n".encode()
    expected = (f"line {lines}", "The line contains control characters (U+0000); remove them.")
    assert_refused_everywhere(client, editor, target, content, "gift", "bank.gift", expected)


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x0b", "\x0c", "\x7f", "\x85", "\ufffe"])
def test_gift_control_characters_anywhere_are_refused_by_line(client, editor, target, char):
    # In a comment, a stem or an answer: each is reported at its own line.
    content = f"// ghi chú{char}\n{GOOD}\nCâu? {{\n=Một{char}\n~Hai\n}}\n".encode()
    client.force_login(editor)
    found = shown_problems(preview(client, target, content, "gift", "bank.gift"))
    message = f"The line contains control characters (U+{ord(char):04X}); remove them."
    assert ("line 1", message) in found and ("line 5", message) in found
    assert not Question.objects.exists()


def test_gift_control_problems_come_with_the_file_s_other_problems_in_line_order():
    with pytest.raises(formats.ImportProblems) as error:
        formats.parse("gift", f"Câu\x00? {{~Một ~Hai}}\n\n{GOOD}".encode())
    assert [p.place for p in error.value.problems] == ["line 1", "line 1"]
    assert {p.message for p in error.value.problems} == {
        "The line contains control characters (U+0000); remove them.",
        "The question has no right answer.",
    }


def test_gift_range_finer_than_the_tolerance_column_is_refused(client, editor, target):
    # 0..0.0000000001 is stored as its middle ± half its width: 0.00000000005, one decimal too many.
    content = f"{GOOD}\nSố? {{#0..0.0000000001}}\n".encode()
    expected = ("line 3", "“0..0.0000000001”: numbers must lie below a million million, with at most 10 decimals.")
    assert_refused_everywhere(client, editor, target, content, "gift", "bank.gift", expected)


def test_gift_at_the_limits_is_written_as_previewed(client, editor, target):
    category = "Đ" * 200
    title, article, case, right = "T" * 255, "Đ" * 100, "C" * 200, "x" * 500
    content = (
        f"$CATEGORY: $course$/top/{category}\n\n"
        f"// tdkt: marks=999.99; article={article}; case={case}\n::{title}:: Câu? {{=Một ~Hai}}\n\n"
        f"// tdkt: marks=0.01\nGhép? {{=Một -> {right} =Hai -> 2}}\n"
    ).encode()
    client.force_login(editor)
    response = preview(client, target, content, "gift", "bank.gift")
    assert response.status_code == 200 and "problems" not in response.context
    assert confirm(client, response.context["token"]).status_code == 302
    first, second = Question.objects.order_by("pk")
    assert (first.category.name, first.name, first.article, first.case_study.title) == (category, title, article, case)
    assert (first.marks, second.marks) == (Decimal("999.99"), Decimal("0.01"))
    assert second.options.get(text__contains="Một").match_text == right


# --- Aiken ---------------------------------------------------------------------------

AIKEN = "Câu hỏi một?\nA. Một\nB. Hai\nANSWER: A\n\n"


@pytest.mark.parametrize(("char", "code"), [("\x00", "U+0000"), ("\x1f", "U+001F"), ("\x9b", "U+009B")])
def test_aiken_control_characters_are_refused_by_line(client, editor, target, char, code):
    content = f"{AIKEN * 300}Câu hai?\nA. Một\nB. Hai{char}\nANSWER: B\n".encode()
    assert len(content) > 8192
    expected = ("line 1503", f"The line contains control characters ({code}); remove them.")
    assert_refused_everywhere(client, editor, target, content, "aiken", "bank.txt", expected)


# --- XLSX ----------------------------------------------------------------------------

HEADER = [
    "Loại câu hỏi", "Nội dung câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng", "Điểm",
    "Điều khoản", "Chủ đề", "Tình huống",
]  # fmt: skip


def row(**cells) -> list:
    values = {"type": "Một lựa chọn", "stem": "Câu hỏi?", "a": "Một", "b": "Hai", "answer": "A", **cells}
    keys = ("type", "stem", "a", "b", "answer", "marks", "article", "category", "case")
    return [values.get(key, "") for key in keys]


def workbook(*rows: list) -> bytes:
    book = Workbook()
    sheet = book.active
    for values in [HEADER, row(), *rows]:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("marks", [1e23, "1e23", "Infinity", "NaN", "-2", 0, "0,005", 1000])
def test_xlsx_marks_the_column_cannot_hold_are_refused_by_row(client, editor, target, marks):
    content = workbook(row(marks=marks))
    assert_refused_everywhere(client, editor, target, content, "xlsx", "bank.xlsx", ("row 3", MARKS))


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"category": "Đ" * 201}, "The category name is longer than 200 characters."),
        ({"article": "Đ" * 101}, "The article is longer than 100 characters."),
        ({"case": "T" * 201}, "The case study's title is longer than 200 characters."),
        (
            {"type": "Ghép cặp", "a": f"Một => {'x' * 501}", "b": "Hai => 2", "answer": ""},
            "A right-hand item of the matching question is longer than 500 characters.",
        ),
    ],
)
def test_xlsx_texts_longer_than_their_columns_are_refused_by_row(client, editor, target, cells, message):
    content = workbook(row(**cells))
    assert_refused_everywhere(client, editor, target, content, "xlsx", "bank.xlsx", ("row 3", message))


@pytest.mark.parametrize(("char", "code"), [("\x7f", "U+007F"), ("\x85", "U+0085"), ("\x9b", "U+009B")])
def test_xlsx_control_characters_in_a_cell_are_refused_by_row_and_column(client, editor, target, char, code):
    # XML 1.0 cannot hold NUL and the other C0 controls; it can hold DEL and the C1 controls.
    content = workbook(row(stem=f"Câu {char}hỏi?"))
    expected = ("row 3", f"“Nội dung câu hỏi” contains control characters ({code}); retype the cell.")
    assert_refused_everywhere(client, editor, target, content, "xlsx", "bank.xlsx", expected)


def test_csv_nul_after_the_first_8_kb_is_refused_by_row(client, editor, target):
    lines = [",".join(HEADER)] + [",".join(str(v) for v in row())] * 300
    lines.append(",".join(str(v) for v in row(category="Chủ\x00đề")))
    content = "\n".join(lines).encode()
    assert content.index(b"\x00") > 8192
    expected = ("row 302", "“Chủ đề” contains control characters (U+0000); retype the cell.")
    assert_refused_everywhere(client, editor, target, content, "xlsx", "bank.csv", expected)


def test_xlsx_line_breaks_belong_in_texts_not_in_short_cells(client, editor, target):
    client.force_login(editor)
    fine = preview(client, target, workbook(row(stem="Dòng một\nDòng hai?")), "xlsx", "bank.xlsx")
    assert "problems" not in fine.context
    broken = shown_problems(preview(client, target, workbook(row(category="Chủ\nđề")), "xlsx", "bank.xlsx"))
    assert broken == [("row 3", "“Chủ đề” contains control characters (U+000A); retype the cell.")]


def test_xlsx_at_the_limits_is_written_as_previewed(client, editor, target):
    cells = {"category": "Đ" * 200, "article": "Đ" * 100, "case": "C" * 200, "marks": "999.99"}
    client.force_login(editor)
    response = preview(client, target, workbook(row(**cells)), "xlsx", "bank.xlsx")
    assert response.status_code == 200 and "problems" not in response.context
    assert confirm(client, response.context["token"]).status_code == 302
    question = Question.objects.get(category__name=cells["category"])
    assert (question.article, question.case_study.title, question.marks) == (
        cells["article"],
        cells["case"],
        Decimal("999.99"),
    )
