"""GIFT as Moodle documents, reads, writes and grades it.

The files below are written from Moodle's GIFT format documentation
(docs.moodle.org, "GIFT format": the symbol table and its examples Q1–Q8)
and from the fixtures of Moodle's own importer tests
(question/format/gift/tests/giftformat_test.php: multichoice with weights,
"multi tricky", shortanswer with "=%0%*#Completely wrong", numerical
"{#3:2~#Completely wrong}", matching with "= -> Chat" and per-answer format
tags). Each question is checked for the type, shares and feedback Moodle
gives it, then graded as Moodle would grade it.
"""

from decimal import Decimal

import pytest

from quizzes import formats, services
from quizzes.formats import ImportProblems
from quizzes.grading import grade
from quizzes.models import Question
from tests.factories import QuestionCategoryFactory

pytestmark = pytest.mark.django_db

UNKNOWN_WEIGHT = (
    "Unknown weight “{}%”: Moodle accepts 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, "
    "33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 and 0, or minus one of them."
)


def imported(gift: str) -> list[Question]:
    return services.bank_import(category=QuestionCategoryFactory(), fmt="gift", content=gift.encode())


def problems(gift: str) -> list[tuple[str, str]]:
    with pytest.raises(ImportProblems) as error:
        formats.parse("gift", gift.encode())
    return [(p.place, p.message) for p in error.value.problems]


def options(question: Question) -> list:
    return list(question.options.order_by("sort_order"))


def shares(question: Question) -> list[tuple[str, Decimal]]:
    return [(o.text, o.fraction) for o in options(question)]


def choose(question: Question, *texts: str) -> Decimal:
    ids = [o.pk for o in options(question) if o.text in texts]
    if question.qtype == "multiple":
        return grade(question, options(question), {"choices": ids}, [])
    return grade(question, options(question), {"choice": ids[0]}, [])


def typed(question: Question, text: str) -> Decimal:
    return grade(question, options(question), {"text": text}, [])


# --- the documentation's examples --------------------------------------------------

DOCS = """\
// true/false
::Q1:: 1+1\\=2 {T}

// multiple choice with specified feedback for right and wrong answers
::Q2:: What's between orange and green in the spectrum?
{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }

// fill-in-the-blank
::Q3:: Two plus {=two =2} equals four.

// matching
::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }

// math range question
::Q5:: What is a number from 1 to 5? {#3:2}

// math range specified with interval end points
::Q6:: What is a number from 1 to 5? {#1..5}

// multiple numeric answers with partial credit and feedback
::Q7:: When was Ulysses S. Grant born? {#
         =1822:0      # Correct! Full credit.
         =%50%1822:2  # He was born in 1822. Half credit for being close.
}
"""


def test_the_documentation_examples_import_as_moodle_reads_them():
    q1, q2, q3, q4, q5, q6, q7 = imported(DOCS)
    assert [q.qtype for q in (q1, q2, q3, q4, q5, q6, q7)] == [
        "truefalse", "single", "short", "matching", "numerical", "numerical", "numerical",
    ]  # fmt: skip
    assert q1.stem == "1+1=2" and q1.name == "Q1"
    assert shares(q2) == [("yellow", 1), ("red", 0), ("blue", 0)]
    assert [o.feedback for o in options(q2)] == ["right; good!", "wrong, it's yellow", "wrong, it's yellow"]
    # Missing word: the blank stands where the answers were.
    assert q3.stem == "Two plus _____ equals four."
    assert shares(q3) == [("two", 1), ("2", 1)]
    assert [(o.text, o.match_text) for o in options(q4)] == [("cat", "cat food"), ("dog", "dog food")]
    # A range is stored as Moodle stores it: the middle and the tolerance.
    assert [(o.text, o.tolerance, o.fraction) for o in options(q5)] == [("3", 2, 1)]
    assert [(o.text, o.tolerance, o.fraction) for o in options(q6)] == [("3", 2, 1)]
    assert [(o.text, o.tolerance, o.fraction, o.feedback) for o in options(q7)] == [
        ("1822", 0, 1, "Correct! Full credit."),
        ("1822", 2, Decimal("0.5"), "He was born in 1822. Half credit for being close."),
    ]


def test_the_documentation_examples_grade_as_moodle_grades_them():
    q1, q2, q3, q4, q5, q6, q7 = imported(DOCS)
    assert choose(q1, "Đúng") == 1 and choose(q1, "Sai") == 0
    assert choose(q2, "yellow") == 1 and choose(q2, "red") == 0
    assert typed(q3, "Two") == 1 and typed(q3, "2") == 1 and typed(q3, "three") == 0
    cat, dog = options(q4)
    choices = ["dog food", "cat food"]
    assert grade(q4, [cat, dog], {"matches": {str(cat.pk): 1, str(dog.pk): 0}}, choices) == 1
    assert grade(q4, [cat, dog], {"matches": {str(cat.pk): 1, str(dog.pk): 1}}, choices) == Decimal("0.5")
    for question in (q5, q6):
        assert [typed(question, value) for value in ("1", "3", "5", "5,0", "0.99", "5.01", "")] == [1, 1, 1, 1, 0, 0, 0]
    assert [typed(q7, value) for value in ("1822", "1823", "1820", "1825")] == [1, Decimal("0.5"), Decimal("0.5"), 0]


# --- single answer with partial credit: the issue's own example -----------------------


def test_a_single_answer_question_scores_the_chosen_share():
    [question] = imported("Chọn đáp án {~wrong ~%50%half =full}")
    assert question.qtype == "single"
    assert shares(question) == [("wrong", 0), ("half", Decimal("0.5")), ("full", 1)]
    assert choose(question, "full") == 1
    assert choose(question, "half") == Decimal("0.5")
    assert choose(question, "wrong") == 0


def test_a_negative_share_in_a_single_answer_question_is_a_penalty_as_in_moodle():
    [question] = imported("Chọn đáp án {=đúng ~%-50%đoán bừa ~sai}")
    assert choose(question, "đoán bừa") == Decimal("-0.5")


# --- multiple answers: Moodle's fixtures -----------------------------------------------

MULTI = """\
::colours:: What's between orange and green in the spectrum?
{
    ~%50%yellow # right; good!
    ~%-100%red # [html]wrong
    ~%50%off-beige # right; good!
    ~%-100%[plain]blue # wrong
}

::tricky:: What's between orange and green in the spectrum?
{
    ~%100%yellow # right; good!
    ~%-50%red # wrong
    ~%-50%blue # wrong
}
"""


def test_multiple_answers_add_up_the_chosen_shares_between_0_and_1():
    colours, tricky = imported(MULTI)
    assert colours.qtype == tricky.qtype == "multiple"
    assert colours.partial_credit and tricky.partial_credit
    assert shares(colours) == [("yellow", Decimal("0.5")), ("red", -1), ("off-beige", Decimal("0.5")), ("blue", -1)]
    assert [o.feedback for o in options(colours)] == ["right; good!", "wrong", "right; good!", "wrong"]
    assert choose(colours, "yellow") == Decimal("0.5")
    assert choose(colours, "yellow", "off-beige") == 1
    assert choose(colours, "yellow", "off-beige", "red") == 0  # 0 - 1 clamps to 0
    assert shares(tricky) == [("yellow", 1), ("red", Decimal("-0.5")), ("blue", Decimal("-0.5"))]
    assert choose(tricky, "yellow") == 1
    assert choose(tricky, "yellow", "red") == Decimal("0.5")
    assert choose(tricky, "red", "blue") == 0


def test_thirds_written_as_moodle_writes_them_make_a_whole():
    [question] = imported("Chọn ba {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert choose(question, "a", "b", "c") == 1
    assert choose(question, "a") == Decimal("0.333")


# --- short answer and its wildcard ------------------------------------------------------

SHORT = """\
::Shortanswer::Which is the best animal?{
    =Frog#Good!
    =%50%Cat#What is it with Moodlers and cats?
    =%0%*#Completely wrong
    ####[html]Here is some <b>general</b> feedback!
}
"""


def test_short_answer_wildcard_is_any_other_answer_with_its_share_and_feedback():
    [question] = imported(SHORT)
    assert question.qtype == "short"
    assert shares(question) == [("Frog", 1), ("Cat", Decimal("0.5")), ("*", 0)]
    assert [o.feedback for o in options(question)] == [
        "Good!", "What is it with Moodlers and cats?", "Completely wrong",
    ]  # fmt: skip
    assert question.feedback == "Here is some <b>general</b> feedback!"
    assert typed(question, "frog") == 1
    assert typed(question, "Cat") == Decimal("0.5")
    # Typing a star is just another answer: it falls to the wildcard and earns its 0.
    assert typed(question, "*") == 0
    assert typed(question, "Dog") == 0


def test_a_star_inside_an_answer_matches_any_characters_and_an_escaped_star_is_a_star():
    [question] = imported("Tên luật? {=Luật Thi đua*khen thưởng =%50%Luật \\\\*}")
    assert typed(question, "Luật Thi đua, khen thưởng") == 1
    assert typed(question, "luật thi đua và khen thưởng") == 1
    assert typed(question, "Luật *") == Decimal("0.5")
    assert typed(question, "Luật khác") == 0


# --- numerical -------------------------------------------------------------------------

NUMERICAL = """\
::Năm:: Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ năm nào? {#2024}

::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}

::Khoảng:: Số lượng tối thiểu? {#
    =%100%10..20#Đúng.
    =%50%5..9.5#Gần đúng.
    ~#Sai hẳn.
    ####Giải thích chung
}
"""


def test_numerical_answers_tolerances_ranges_weights_and_feedback():
    year, q5, ranged = imported(NUMERICAL)
    assert [(o.text, o.tolerance, o.fraction) for o in options(year)] == [("2024", 0, 1)]
    assert [(o.text, o.fraction, o.feedback) for o in options(q5)] == [("3", 1, ""), ("*", 0, "Completely wrong")]
    assert [(o.text, o.tolerance, o.fraction, o.feedback) for o in options(ranged)] == [
        ("15", 5, 1, "Đúng."),
        ("7.25", Decimal("2.25"), Decimal("0.5"), "Gần đúng."),
        ("*", None, 0, "Sai hẳn."),
    ]
    assert ranged.feedback == "Giải thích chung"
    assert [typed(year, value) for value in ("2024", " 2024 ", "2.024e3", "2023", "hai nghìn")] == [1, 1, 1, 0, 0]
    assert [typed(ranged, value) for value in ("10", "20", "9,5", "5", "4.99", "-3")] == [
        1, 1, Decimal("0.5"), Decimal("0.5"), 0, 0,
    ]  # fmt: skip


# --- matching --------------------------------------------------------------------------

MATCHING = """\
::Moodle activities::[html]Match the <b>activity</b> to the description.{
    =[html]An activity supporting <i>asynchronous</i> discussions. -> Forum
    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
    =[plain]A bank of <record> entries which participants can add to. -> Database
    =[markdown]A collection of **web pages** that anyone can add to or edit. -> Wiki
    = -> Chat
}
"""


def test_matching_distractor_lines_add_a_choice_without_a_pair():
    [question] = imported(MATCHING)
    assert question.qtype == "matching"
    assert question.stem == "Match the <b>activity</b> to the description."
    texts = [(o.text, o.match_text) for o in options(question)]
    assert texts == [
        ("An activity supporting <i>asynchronous</i> discussions.", "Forum"),
        ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
        ("A bank of &lt;record&gt; entries which participants can add to.", "Database"),
        ("<p>A collection of <strong>web pages</strong> that anyone can add to or edit.</p>", "Wiki"),
        ("", "Chat"),
    ]
    # Moodle gives a share per right pair; the distractor is no pair to get right.
    pairs = options(question)[:4]
    choices = ["Forum", "Choice", "Database", "Wiki", "Chat"]
    all_right = {str(o.pk): i for i, o in enumerate(pairs)}
    assert grade(question, options(question), {"matches": all_right}, choices) == 1
    one_on_chat = {**all_right, str(pairs[0].pk): 4}
    assert grade(question, options(question), {"matches": one_on_chat}, choices) == Decimal("0.75")


def test_matching_needs_two_real_pairs_and_every_right_hand_answer():
    assert problems("Ghép {=A -> 1 = -> 2 = -> 3}") == [
        ("line 1", "A matching question needs at least two complete pairs.")
    ]
    assert problems("Ghép {=A -> 1 =B -> \n =C -> 3}") == [("line 1", "An answer is empty.")]


# --- format tags -----------------------------------------------------------------------


def test_format_tags_are_honoured_and_html_always_sanitised():
    [html_q, plain_q, markdown_q, moodle_q] = imported(
        '[html]<p onclick\\="x()">Chọn <b>một</b></p><script>alert(1)</script>{=<i>Có</i> ~[plain]<b>Không</b>}\n\n'
        "[plain]Thẻ <b> là chữ đậm?{TRUE#[html]<em>Sai</em>#<b>đúng</b>}\n\n"
        "[markdown]Chọn **một** [liên kết](javascript\\:alert(1)) [luật](https\\://vbpl.vn){=[markdown]*Có* ~Không}\n\n"
        "Dòng một\\ndòng hai{=Có ~Không}\n"
    )
    assert html_q.stem == "<p>Chọn <b>một</b></p>"
    assert shares(html_q) == [("<i>Có</i>", 1), ("&lt;b&gt;Không&lt;/b&gt;", 0)]
    assert plain_q.stem == "Thẻ &lt;b&gt; là chữ đậm?"
    tf = {o.text: o.feedback for o in options(plain_q)}
    # Answers take the question's format unless they name their own.
    assert tf == {"Đúng": "&lt;b&gt;đúng&lt;/b&gt;", "Sai": "<em>Sai</em>"}
    assert "<strong>một</strong>" in markdown_q.stem and 'href="javascript' not in markdown_q.stem
    assert '<a href="https://vbpl.vn" rel="noopener noreferrer nofollow">luật</a>' in markdown_q.stem
    assert options(markdown_q)[0].text == "<p><em>Có</em></p>"
    assert moodle_q.stem == "Dòng một<br>dòng hai"


# --- what is not imported, and every syntax error, with its line ----------------------

BROKEN = """\
// Nothing of this file may be imported.
::Mở:: Thiếu dấu đóng {
    =Một
    ~Hai

::Sau:: Câu sau không bị nuốt {=Có ~Không}

::Đóng:: Dấu đóng thừa } {=Có ~Không}

::Trọng số:: Trọng số lạ {
    =Một
    ~%33%Hai
    ~%abc%Ba
}

::Rỗng:: Đáp án rỗng {
    =Một
    ~
}

::Tự luận:: Hãy trình bày. {}

Chỉ là một đoạn mô tả.

::Cloze:: Hai {=một ~hai} khối {=ba ~bốn}

::Đúng sai:: Viết thường {true}

::Bằng:: Dấu bằng có trọng số {=%50%Một ~Hai}
"""


def test_every_syntax_error_and_unsupported_item_is_reported_with_its_line_and_nothing_is_imported():
    category = QuestionCategoryFactory()
    with pytest.raises(ImportProblems) as error:
        services.bank_import(category=category, fmt="gift", content=BROKEN.encode())
    assert [(p.place, p.message) for p in error.value.problems] == [
        ("line 2", "The answer block is not closed with “}”."),
        ("line 8", "“}” without an opening “{”."),
        ("line 12", UNKNOWN_WEIGHT.format("33")),
        ("line 18", "An answer is empty."),
        ("line 21", "Essay questions (an empty answer block) are not supported: they need grading by hand."),
        (
            "line 23",
            "A description (text without an answer block “{…}”) is not imported; make it a question or remove it.",
        ),
        ("line 25", "More than one answer block: embedded answers (cloze) are not supported."),
        (
            "line 27",
            "Write TRUE or FALSE (or T, F) in capitals for a true/false question, or “=answer” for a short answer.",
        ),
        ("line 29", "“=” already marks the answer worth 100%; write a partial weight as “~%50%”."),
    ]
    assert not Question.objects.exists()


def test_an_unknown_weight_word_is_reported_on_its_own_line():
    assert problems("Câu {\n=Một\n~%abc%Ba\n}") == [("line 3", UNKNOWN_WEIGHT.format("abc"))]


def test_a_missing_brace_never_swallows_the_next_question():
    gift = "::A:: Câu một {=Có ~Không\n\n::B:: Câu hai {=Có ~Không}\n"
    assert problems(gift) == [("line 1", "The answer block is not closed with “}”.")]
    fixed = formats.parse("gift", gift.replace("~Không\n", "~Không}\n", 1).encode())
    assert [item.data.name for item in fixed] == ["A", "B"]


# --- export and import again --------------------------------------------------------------

ROUND_TRIP = (
    DOCS
    + "\n"
    + MULTI
    + "\n"
    + SHORT
    + "\n"
    + NUMERICAL
    + "\n"
    + MATCHING
    + """
::Một phần:: Chọn đáp án {~sai#Chưa đúng ~%50%một nửa =đủ#Đúng}

Luật có hiệu lực? {FALSE#Sai rồi#Đúng vậy####Xem Điều 5}
"""
)


def describe(question: Question) -> tuple:
    return (
        question.qtype,
        question.name,
        question.stem,
        question.feedback,
        question.partial_credit,
        [(o.text, o.fraction, o.tolerance, o.match_text, o.feedback) for o in options(question)],
    )


def test_export_then_import_gives_the_same_questions_and_a_second_export_is_byte_for_byte_the_same():
    first = imported(ROUND_TRIP)
    exported = formats.export_gift(formats.export_queryset(first[0].category))
    # Moved to another bank: the file names its category, so the copy names the new one.
    target = QuestionCategoryFactory(name="Bản sao")
    copy = exported.replace(f"top/{first[0].category.name}\n", "top/Bản sao\n")
    second = services.bank_import(category=target, fmt="gift", content=copy.encode())
    assert {q.category for q in second} == {target}
    assert [describe(q) for q in second] == [describe(q) for q in first]
    assert formats.export_gift(formats.export_queryset(target)) == copy


def test_the_export_is_written_as_moodle_writes_it():
    [short] = imported(SHORT)
    [numerical] = imported("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    short_gift = formats.export_gift(formats.export_queryset(short.category))
    assert (
        "::Shortanswer::[html]Which is the best animal?{\n"
        "\t=%100%Frog#Good!\n"
        "\t=%50%Cat#What is it with Moodlers and cats?\n"
        "\t=%0%*#Completely wrong\n"
        "\t####Here is some <b>general</b> feedback!\n"
        "}\n"
    ) in short_gift
    numerical_gift = formats.export_gift(formats.export_queryset(numerical.category))
    assert "::Q5::[html]What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}\n" in numerical_gift
