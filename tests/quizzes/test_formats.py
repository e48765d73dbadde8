"""Import and export of question banks: GIFT, Aiken and the XLSX template."""

import io
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from quizzes import formats, services
from quizzes.formats import ImportProblems
from quizzes.models import CaseStudy, Category, Option, Question
from tests.factories import QuestionCategoryFactory, QuestionFactory, RegulationPageFactory

pytestmark = pytest.mark.django_db


UNKNOWN_WEIGHT = (
    "Unknown weight “{}%”: Moodle accepts 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, "
    "33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 and 0, or minus one of them."
)


DESCRIPTION = "A description (text without an answer block “{…}”) is not imported; make it a question or remove it."


def places(problems: ImportProblems) -> list[tuple[str, str]]:
    return [(p.place, p.message) for p in problems.problems]


# --- bad files: every problem listed with its place, nothing imported ---------------

MALFORMED_GIFT = """\
// A bank typed by hand: four broken questions among good ones.
::Q1:: Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào? {
    =01/01/2024
    ~01/01/2023
}

::Q2:: Câu hỏi không có đáp án đúng {
    ~Lao động tiên tiến
    ~Chiến sĩ thi đua cơ sở
}

::Q3:: Chỉ thị 39-CT/TW ban hành ngày 21/5/2004. {TRUE}

::Q4:: Trọng số sai {
    ~%150%Một
    =Hai
}

::Q5:: Câu hỏi không có khối đáp án

::Q6:: Khối đáp án không đóng {
    =Đúng
"""


def test_malformed_gift_lists_every_problem_with_its_line_and_imports_nothing():
    category = QuestionCategoryFactory()
    with pytest.raises(ImportProblems) as error:
        services.bank_import(category=category, fmt="gift", content=MALFORMED_GIFT.encode())
    found = places(error.value)
    lines = [place for place, _message in found]
    assert found == [
        ("line 7", "The question has no right answer."),
        ("line 15", UNKNOWN_WEIGHT.format("150")),
        ("line 19", DESCRIPTION),
        ("line 21", "The answer block is not closed with “}”."),
    ]
    assert lines == sorted(lines, key=lambda p: int(p.split()[1]))
    assert not Question.objects.exists()


def test_gift_unknown_regulation_is_a_problem():
    content = "// tdkt: regulation=99/2099/TT-XYZ\n::A:: Câu hỏi? {=Một ~Hai}\n"
    with pytest.raises(ImportProblems) as error:
        formats.parse("gift", content.encode())
    assert places(error.value) == [("line 2", "No regulation numbered “99/2099/TT-XYZ”.")]


def test_gift_not_utf8_and_empty_files():
    with pytest.raises(ImportProblems) as error:
        formats.parse("gift", "Câu hỏi {=Đúng ~Sai}".encode("utf-16"))
    assert places(error.value) == [("File", "The file is not UTF-8 text.")]
    with pytest.raises(ImportProblems) as error:
        formats.parse("gift", b"// only a comment\n\n")
    assert places(error.value) == [("File", "The file contains no questions.")]


MALFORMED_AIKEN = """\
Danh hiệu nào xét tặng cho cá nhân?
A. Lao động tiên tiến
B. Cờ thi đua của Chính phủ
ANSWER: A

Câu hỏi có đáp án không nằm trong các phương án?
A. Một
B. Hai
ANSWER: D

Câu hỏi thiếu dòng đáp án
A. Một
B. Hai

Câu hỏi có dòng lạ giữa các phương án
A. Một
dòng lạ
B. Hai
ANSWER: B
"""


def test_malformed_aiken_lists_every_problem_with_its_line_and_imports_nothing():
    category = QuestionCategoryFactory()
    with pytest.raises(ImportProblems) as error:
        services.bank_import(category=category, fmt="aiken", content=MALFORMED_AIKEN.encode())
    found = places(error.value)
    assert ("line 9", "The answer “D” is not one of the options.") in found
    assert ("line 11", "The question has no “ANSWER:” line.") in found
    assert ("line 17", "Expected an option “B. …” or “ANSWER: B”.") in found
    assert not Question.objects.exists()


def test_good_aiken_imports():
    category = QuestionCategoryFactory()
    created = services.bank_import(category=category, fmt="aiken", content=MALFORMED_AIKEN.split("\n\n")[0].encode())
    assert len(created) == 1
    assert [(o.text, o.is_correct) for o in created[0].options.order_by("sort_order")] == [
        ("Lao động tiên tiến", True),
        ("Cờ thi đua của Chính phủ", False),
    ]


def test_aiken_is_plain_text_so_markup_is_shown_as_typed():
    content = "Thẻ <b> trong HTML dùng để làm gì?\nA. In <b>đậm</b>\nB. In nghiêng & gạch chân\nANSWER: A\n"
    [question] = services.bank_import(category=QuestionCategoryFactory(), fmt="aiken", content=content.encode())
    assert question.stem == "Thẻ &lt;b&gt; trong HTML dùng để làm gì?"
    assert [o.text for o in question.options.order_by("sort_order")] == [
        "In &lt;b&gt;đậm&lt;/b&gt;",
        "In nghiêng &amp; gạch chân",
    ]


def test_an_incomplete_aiken_block_is_reported_by_line_and_never_merged_into_the_next():
    content = (
        "Câu hỏi không có phương án nào\n"
        "\n"
        "Câu hỏi có phương án nhưng thiếu đáp án\n"
        "A. Một\n"
        "B. Hai\n"
        "\n"
        "Danh hiệu nào xét tặng cho cá nhân?\n"
        "A. Lao động tiên tiến\n"
        "B. Cờ thi đua của Chính phủ\n"
        "ANSWER: A\n"
    )
    with pytest.raises(ImportProblems) as error:
        formats.parse("aiken", content.encode())
    assert places(error.value) == [
        ("line 1", "The question has no options “A. …”."),
        ("line 3", "The question has no “ANSWER:” line."),
    ]
    parsed = formats.parse("aiken", "\n\n".join(content.split("\n\n")[2:]).encode())
    assert [item.data.stem for item in parsed] == ["Danh hiệu nào xét tặng cho cá nhân?"]


def test_aiken_questions_end_at_their_answer_line_as_in_moodle():
    content = "Một?\nA. Có\nB. Không\nANSWER: B\nHai?\nA) Có\nB) Không\nANSWER: A\n"
    parsed = formats.parse("aiken", content.encode())
    assert [(item.place, item.data.stem) for item in parsed] == [("line 1", "Một?"), ("line 5", "Hai?")]


def xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["Loại câu hỏi", "Nội dung câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Đáp án đúng", "Giải thích"]


def test_xlsx_with_a_missing_column_is_refused_naming_it():
    content = xlsx([HEADER[:1] + HEADER[2:], ["Một lựa chọn", "A", "B", "", "A", ""]])
    with pytest.raises(ImportProblems) as error:
        formats.parse("xlsx", content, filename="bank.xlsx")
    [(place, message)] = places(error.value)
    assert place == "File" and "“Nội dung câu hỏi”" in message
    assert not Question.objects.exists()


def test_xlsx_row_problems_have_row_numbers_and_nothing_is_imported():
    content = xlsx(
        [
            HEADER,
            ["Một lựa chọn", "Câu tốt?", "Đúng", "Sai", "", "A", ""],
            ["Một lựa chọn", "Không có đáp án đúng", "Một", "Hai", "", "", ""],
            ["Một lựa chọn", "Đáp án chỉ vào ô trống", "Một", "Hai", "", "D", ""],
            ["Đúng/Sai", "Đáp án lạ", "", "", "", "Có lẽ", ""],
            ["Loại lạ", "?", "", "", "", "A", ""],
            ["Ghép cặp", "Ghép", "Một => 1", "Hai", "", "", ""],
        ]
    )
    category = QuestionCategoryFactory()
    with pytest.raises(ImportProblems) as error:
        services.bank_import(category=category, fmt="xlsx", content=content, filename="bank.xlsx")
    found = places(error.value)
    assert ("row 3", "The question has no right answer.") in found
    assert ("row 4", "The answer names options that are empty: D.") in found
    assert ("row 5", "The answer of a true/false question must be Đúng or Sai.") in found
    assert ("row 6", "Unknown question type “Loại lạ”.") in found
    assert ("row 7", "Option B must be “left => right”.") in found
    assert not any(place == "row 2" for place, _m in found)
    assert not Question.objects.exists()


def test_xlsx_template_reads_back_as_one_question():
    RegulationPageFactory(document_number="06/2022/QH15")
    parsed = formats.parse("xlsx", formats.xlsx_template(), filename="mau.xlsx")
    assert len(parsed) == 1
    assert parsed[0].place == "row 2"
    assert [o.is_correct for o in parsed[0].data.options] == [False, True, False]


# --- text on the way in ----------------------------------------------------------------


def test_import_normalises_to_nfc_and_sanitises_html():
    stem = unicodedata.normalize("NFD", "Danh hiệu “Chiến sĩ thi đua cơ sở”")
    gift = (
        f"::T:: [html]<p onclick=\"alert(1)\">{stem}</p><script>alert('x')</script> {{\n"
        f"  =<b>Đúng</b><img src\\=x onerror\\=alert(2)>\n  ~{unicodedata.normalize('NFD', 'Sai hoàn toàn')}\n"
        '  ####<a href="javascript:alert(3)">xem</a> giải thích\n}\n'
    )
    [question] = services.bank_import(category=QuestionCategoryFactory(), fmt="gift", content=gift.encode())
    question.refresh_from_db()
    assert unicodedata.is_normalized("NFC", question.stem)
    assert "Chiến sĩ thi đua cơ sở" in question.stem
    for text in [question.stem, question.feedback, *question.options.values_list("text", flat=True)]:
        assert "onclick" not in text and "<script" not in text and "onerror" not in text
        assert "javascript:" not in text and "alert" not in text
    texts = [o.text for o in question.options.order_by("sort_order")]
    assert texts[0].startswith("<b>Đúng</b>") and texts[1] == "Sai hoàn toàn"
    assert question.feedback.endswith("giải thích") and ">xem</a>" in question.feedback


def test_xlsx_import_normalises_to_nfc():
    content = xlsx(
        [HEADER, ["Trả lời ngắn", unicodedata.normalize("NFD", "Tên danh hiệu?"), "", "", "", "Lao động tiên tiến", ""]]
    )
    [question] = services.bank_import(
        category=QuestionCategoryFactory(), fmt="xlsx", content=content, filename="b.xlsx"
    )
    assert question.stem == "Tên danh hiệu?"
    assert unicodedata.is_normalized("NFC", question.stem)


# --- a Moodle file, and the round trip -------------------------------------------------

MOODLE_GIFT = r"""
// question: 1  name: Luật 2022
$CATEGORY: $course$/top/Default for TĐKT/Luật Thi đua, khen thưởng

::Luật 2022::[moodle]Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào?{
	=01/01/2024#Đúng.
	~01/01/2023#Chưa đúng.
	~01/7/2024
}

::Chỉ thị 39::Chỉ thị 39-CT/TW do Bộ Chính trị ban hành ngày 21/5/2004.{T#Sai rồi#Đúng vậy}

::Các danh hiệu::Chọn các danh hiệu thi đua dành cho cá nhân\: {
	~%50%Lao động tiên tiến
	~%50%Chiến sĩ thi đua cơ sở
	~%-100%Cờ thi đua của Chính phủ
}

::Viết tắt::Cụm từ viết tắt "TĐKT" là gì?{=thi đua, khen thưởng =%50%thi đua khen thưởng}

::Ghép::Ghép số hiệu văn bản với loại văn bản.{
	=15/2003/QH11 -> Luật
	=39-CT/TW -> Chỉ thị
	=13/2015/TT-BTTTT -> Thông tư
}
"""


def test_a_gift_file_written_for_moodle_imports():
    created = services.bank_import(category=QuestionCategoryFactory(), fmt="gift", content=MOODLE_GIFT.encode())
    assert [q.qtype for q in created] == ["single", "truefalse", "multiple", "short", "matching"]
    assert {q.category.name for q in created} == {"Luật Thi đua, khen thưởng"}
    single, truefalse, multiple, short, matching = created
    assert single.name == "Luật 2022"
    assert [o.feedback for o in single.options.order_by("sort_order")][:2] == ["Đúng.", "Chưa đúng."]
    assert [(o.text, o.is_correct) for o in truefalse.options.order_by("sort_order")] == [
        ("Đúng", True),
        ("Sai", False),
    ]
    assert multiple.partial_credit
    assert [o.fraction for o in multiple.options.order_by("sort_order")] == [
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("-1"),
    ]
    assert "cá nhân:" in multiple.stem
    assert [(o.text, o.fraction) for o in short.options.order_by("sort_order")] == [
        ("thi đua, khen thưởng", 1),
        ("thi đua khen thưởng", Decimal("0.5")),
    ]
    assert [(o.text, o.match_text) for o in matching.options.order_by("sort_order")][1] == ("39-CT/TW", "Chỉ thị")


def full_bank(category):
    regulation = RegulationPageFactory(document_number="13/2015/TT-BTTTT")
    case = CaseStudy.objects.create(
        title="Tình huống: hồ sơ khen thưởng", scenario="<p>Đơn vị A gửi hồ sơ chậm {2 ngày}; #1 = ~trễ~</p>"
    )
    QuestionFactory(
        category=category,
        name="Có ký tự đặc biệt: {} = ~ # \\",
        stem="<p>Câu hỏi có {ngoặc}, dấu = và ~, dấu # và dấu : cùng \\ gạch</p>",
        feedback="<p>Giải thích: xem Điều 5</p>",
        regulation=regulation,
        article="Điều 5; khoản 2",
        difficulty="hard",
        marks=Decimal("2.5"),
        options=[("Một = 1", False), ("Hai ~ 2", True), ("Ba # 3", False)],
    )
    QuestionFactory(category=category, qtype="multiple", options=[("A", True), ("B", True), ("C", False)])
    QuestionFactory(
        category=category,
        qtype="multiple",
        partial_credit=True,
        options=[("A", True), ("B", True), ("C", True), ("D", False)],
    )
    weighted = QuestionFactory(
        category=category, qtype="multiple", partial_credit=True, options=[("A", True), ("B", False), ("C", False)]
    )
    Option.objects.filter(question=weighted, is_correct=True).update(fraction=Decimal("1"))
    Option.objects.filter(question=weighted, is_correct=False).update(fraction=Decimal("-0.5"))
    tf = QuestionFactory(category=category, qtype="truefalse", options=[("Đúng", False), ("Sai", True)])
    Option.objects.filter(question=tf, is_correct=True).update(feedback="<p>Đúng, vì…</p>")
    QuestionFactory(
        category=category,
        qtype="short",
        accent_insensitive=True,
        options=[("Lao động tiên tiến", True), ("LĐTT", True)],
        case_study=case,
    )
    QuestionFactory(
        category=category,
        qtype="matching",
        partial_credit=True,
        options=[("15/2003/QH11", True, "Luật 2003"), ("06/2022/QH15", True, "Luật 2022"), ("", False, "Nghị định")],
        case_study=case,
    )
    number = QuestionFactory(category=category, qtype="numerical", options=[("2024", True), ("*", False)])
    Option.objects.filter(question=number, text="2024").update(tolerance=Decimal("0.5"), feedback="<p>Đúng</p>")
    wildcard = QuestionFactory(category=category, qtype="short", options=[("Hà Nội", True), ("*", False)])
    Option.objects.filter(question=wildcard, text="*").update(feedback="<p>Chưa đúng</p>")
    return category


def describe(question: Question) -> tuple:
    return (
        question.qtype,
        question.name,
        question.stem,
        question.feedback,
        question.marks,
        question.difficulty,
        question.partial_credit,
        question.accent_insensitive,
        question.regulation.document_number if question.regulation_id else "",
        question.case_study.title if question.case_study_id else "",
        question.case_study.scenario if question.case_study_id else "",
        [
            (o.text, o.is_correct, o.fraction, o.tolerance, o.match_text, o.feedback)
            for o in question.options.order_by("sort_order")
        ],
    )


def test_gift_round_trip_keeps_every_question():
    source = full_bank(QuestionCategoryFactory(name="Nguồn"))
    before = list(formats.export_queryset(source))
    exported = formats.export_gift(before)
    # Moved to another system: the same bank arrives in a fresh database.
    CaseStudy.objects.update(title="đổi tên")
    target = QuestionCategoryFactory(name="Đích")
    created = services.bank_import(
        category=target, fmt="gift", content=exported.replace("top/Nguồn", "top/Đích").encode()
    )
    assert len(created) == len(before) == 9
    after = list(formats.export_queryset(target))
    assert [describe(q) for q in after] == [describe(q) for q in before]
    # Article semicolons become commas (the metadata separator); nothing else changes.
    assert after[0].article == "Điều 5, khoản 2"
    # The second export is the first one, word for word.
    assert formats.export_gift(after).replace("top/Đích", "top/Nguồn") == exported


def test_gift_round_trip_grades_the_same():
    from quizzes.grading import grade

    source = full_bank(QuestionCategoryFactory(name="Nguồn"))
    before = list(formats.export_queryset(source))
    Category.objects.create(name="Đích")
    after = services.bank_import(
        category=Category.objects.get(name="Đích"),
        fmt="gift",
        content=formats.export_gift(before).replace("top/Nguồn", "top/Đích").encode(),
    )
    for old, new in zip(before, after, strict=True):
        if old.qtype != "multiple":
            continue
        old_options, new_options = list(old.options.all()), list(new.options.order_by("sort_order"))
        for mask in range(1, 2 ** len(old_options)):
            pick_old = [o.pk for i, o in enumerate(old_options) if mask >> i & 1]
            pick_new = [o.pk for i, o in enumerate(new_options) if mask >> i & 1]
            assert grade(old, old_options, {"choices": pick_old}, []) == grade(
                new, new_options, {"choices": pick_new}, []
            ), (old.stem, mask)


def test_xlsx_export_reads_back_and_escapes_formulas():
    category = full_bank(QuestionCategoryFactory(name="Nguồn"))
    QuestionFactory(category=category, qtype="short", options=[("=1+1", True)], stem='<p>=HYPERLINK("x")</p>')
    questions = list(formats.export_queryset(category))
    content = formats.export_xlsx(questions)
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Loại câu hỏi", "Nội dung câu hỏi", "Phương án A"]
    answers = [row[headers.index("Đáp án đúng")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=1+1" in answers  # text, not a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    parsed = formats.parse("xlsx", content, filename="export.xlsx")
    assert len(parsed) == len(questions) == 10
    for item, question in zip(parsed, questions, strict=True):
        data = item.data
        assert data.qtype == question.qtype
        assert data.stem == question.stem
        assert data.marks == question.marks
        assert data.regulation_number == (question.regulation.document_number if question.regulation_id else "")
        # Typed answers travel as the accepted ones only (the template has no shares).
        kept = [o for o in question.options.all() if o.is_correct or question.qtype not in ("short", "numerical")]
        assert [o.is_correct for o in data.options] == [o.is_correct for o in kept]
    assert parsed[-1].data.options[0].text == "=1+1"
