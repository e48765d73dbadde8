"""Question bank formats: GIFT and Aiken (Moodle's), and an XLSX template.

Importers validate the whole file and raise :class:`ImportProblems` listing
every problem with its line (GIFT, Aiken) or row (XLSX); callers save
nothing unless a file parses cleanly (all or nothing).

GIFT carries what Moodle knows. What it does not (marks, difficulty, the
regulation and article tested, case study) travels in a comment line that
Moodle ignores: ``// tdkt: marks=2; difficulty=hard; regulation=13/2015/TT-BTTTT``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cms.models import RegulationPage
from cms.sanitize import html_to_text, sanitize_html
from core.errors import ServiceError
from core.spreadsheets import Column, build_template, read_spreadsheet, safe_cell, unsafe_cell
from core.text import fold, nfc
from quizzes.models import Category, Difficulty, Question, QuestionType
from quizzes.services import FALSE_TEXT, TRUE_TEXT, OptionData, QuestionData, question_problems, true_false_options

MAX_QUESTIONS = 2000


@dataclass
class Problem:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ImportProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class Parsed:
    place: str
    data: QuestionData


def parse(fmt: str, content: bytes, *, filename: str = "") -> list[Parsed]:
    if fmt == "xlsx":
        return parse_xlsx(content, filename=filename or "bank.xlsx")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblems([Problem(_("File"), _("The file is not UTF-8 text."))]) from None
    if fmt == "gift":
        return parse_gift(text)
    if fmt == "aiken":
        return parse_aiken(text)
    raise ImportProblems([Problem(_("File"), _("Unknown format."))])


def _line(number: int) -> str:
    return _("line %(number)d") % {"number": number}


def _finish(parsed: list[Parsed], problems: list[Problem]) -> list[Parsed]:
    """Common checks: each question usable, regulations known, a sane count."""
    numbers = {p.data.regulation_number for p in parsed if p.data.regulation_number}
    known = set(RegulationPage.objects.filter(document_number__in=numbers).values_list("document_number", flat=True))
    for item in parsed:
        problems.extend(Problem(item.place, message) for message in question_problems(item.data))
        if item.data.regulation_number and item.data.regulation_number not in known:
            problems.append(
                Problem(item.place, _("No regulation numbered “%(n)s”.") % {"n": item.data.regulation_number})
            )
    if not parsed and not problems:
        problems.append(Problem(_("File"), _("The file contains no questions.")))
    if len(parsed) > MAX_QUESTIONS:
        problems.append(Problem(_("File"), _("At most %(n)d questions per file.") % {"n": MAX_QUESTIONS}))
    if problems:
        problems.sort(key=lambda p: _sort_key(p.place))
        raise ImportProblems(problems)
    return parsed


def _sort_key(place: str) -> tuple[int, str]:
    match = re.search(r"\d+", place)
    return (int(match.group()) if match else 0, place)


# --- GIFT ----------------------------------------------------------------------------

_GIFT_SPECIAL = "~=#{}:"
_META = re.compile(r"^//\s*tdkt:\s*(.*)$", re.IGNORECASE)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _GIFT_SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _find(text: str, chars: str, start: int = 0) -> int:
    """Index of the first unescaped character of ``chars`` from ``start``, else -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            return i
        i += 1
    return -1


def _split_unescaped(text: str, marker: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(marker, i):
            parts.append(text[start:i])
            i += len(marker)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _gift_text(raw: str, html: bool) -> str:
    text = _unescape(raw.strip())
    if html:
        return sanitize_html(text)
    # Moodle's own format allows HTML too; anything else is escaped by the sanitiser's rules.
    return sanitize_html(text.replace("\n", "<br>"))


def _gift_blocks(text: str) -> Iterable[tuple[int, list[str], str]]:
    """(first line number, comment lines, question text) per question; $CATEGORY lines as text."""
    block: list[str] = []
    comments: list[str] = []
    start = 0
    depth = 0
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        stripped = line.strip()
        if depth == 0 and not block and stripped.startswith("//"):
            comments.append(stripped)
            continue
        if depth == 0 and stripped.startswith("//"):
            continue
        if not stripped and depth == 0:
            if block:
                yield start, comments, "\n".join(block)
                block, comments = [], []
            continue
        if not block:
            start = number
        block.append(line)
        i = 0
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(line[i], 0)
            i += 1
    if block:
        yield start, comments, "\n".join(block)


def _meta(comments: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for comment in comments:
        match = _META.match(comment)
        if match:
            for part in match.group(1).split(";"):
                key, _sep, value = part.partition("=")
                if key.strip():
                    values[key.strip().lower()] = value.strip()
    return values


def parse_gift(text: str) -> list[Parsed]:
    parsed: list[Parsed] = []
    problems: list[Problem] = []
    category = ""
    scenarios: dict[str, str] = {}
    for number, comments, block in _gift_blocks(nfc(text) or ""):
        place = _line(number)
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            # "$course$/top/Luật Thi đua" → the last part names the category.
            category = stripped.split(":", 1)[1].strip().split("/")[-1].strip()
            continue
        meta = _meta(comments)
        if meta.get("scenario") and _find(stripped, "{") == -1:
            # A case study's scenario: a description item for Moodle.
            try:
                scenarios[meta["scenario"]] = _gift_description(stripped)
            except ValueError as error:
                problems.append(Problem(place, str(error)))
            continue
        try:
            data = _gift_question(stripped, meta)
        except ValueError as error:
            problems.append(Problem(place, str(error)))
            continue
        data.category = data.category or category
        parsed.append(Parsed(place, data))
    for item in parsed:
        item.data.case_scenario = scenarios.get(item.data.case_study, "")
    return _finish(parsed, problems)


def _gift_description(block: str) -> str:
    if block.startswith("::"):
        end = block.find("::", 2)
        if end == -1:
            raise ValueError(_("The title is not closed with “::”."))
        block = block[end + 2 :].lstrip()
    fmt = re.match(r"^\[(html|moodle|plain|markdown)\]", block)
    html = bool(fmt) and fmt.group(1) == "html"
    return _gift_text(block[fmt.end() :] if fmt else block, html)


def _gift_question(block: str, meta: dict[str, str]) -> QuestionData:
    name = ""
    if block.startswith("::"):
        end = block.find("::", 2)
        if end == -1:
            raise ValueError(_("The title is not closed with “::”."))
        name, block = _unescape(block[2:end].strip()), block[end + 2 :].lstrip()
    html = False
    fmt = re.match(r"^\[(html|moodle|plain|markdown)\]", block)
    if fmt:
        html = fmt.group(1) == "html"
        block = block[fmt.end() :]
    open_at = _find(block, "{")
    if open_at == -1:
        raise ValueError(_("No answer block “{…}”: descriptions and essays are not imported."))
    close_at = _find(block, "}", open_at + 1)
    if close_at == -1:
        raise ValueError(_("The answer block is not closed with “}”."))
    after = block[close_at + 1 :].strip()
    if _find(after, "{") != -1:
        raise ValueError(_("More than one answer block (embedded answers are not supported)."))
    stem = block[:open_at].strip()
    if after:
        stem = f"{stem} _____ {after}"
    body = block[open_at + 1 : close_at].strip()
    parts = _split_unescaped(body, "####")
    body, general = parts[0].strip(), (parts[1] if len(parts) > 1 else "")
    data = QuestionData(
        qtype=QuestionType.SINGLE,
        stem=_gift_text(stem, html),
        name=name,
        feedback=_gift_text(general, html) if general.strip() else "",
    )
    _apply_meta(data, meta)
    if not body:
        raise ValueError(_("Essay questions (an empty answer block) are not supported."))
    if body.startswith("#"):
        raise ValueError(_("Numerical questions are not supported."))
    tf = re.match(r"^(TRUE|FALSE|T|F)\b", body, re.IGNORECASE)
    if tf:
        answer = tf.group(1).upper().startswith("T")
        feedbacks = [_gift_text(f, html) if f.strip() else "" for f in _split_unescaped(body[tf.end() :], "#")[1:3]]
        wrong_fb, right_fb = [*feedbacks, "", ""][:2]
        data.qtype = QuestionType.TRUE_FALSE
        data.options = true_false_options(
            answer,
            feedback_true=right_fb if answer else wrong_fb,
            feedback_false=wrong_fb if answer else right_fb,
        )
        return data
    items = _gift_items(body)
    if not items:
        raise ValueError(_("No answers in the answer block."))
    has_wrong = any(sign == "~" for sign, *_rest in items)
    weighted = any(weight is not None for _sign, _text, weight, _fb in items)
    if any("->" in text for _sign, text, _w, _fb in items):
        if has_wrong or not all("->" in text for _s, text, _w, _fb in items):
            raise ValueError(_("Every answer of a matching question must be “=left -> right”."))
        data.qtype = QuestionType.MATCHING
        for _sign, text, _weight, _feedback in items:
            left, right = _split_unescaped(text, "->")[:2]
            data.options.append(
                OptionData(_gift_text(left, html), is_correct=True, match_text=_unescape(right.strip()), feedback="")
            )
        return data
    if not has_wrong:
        data.qtype = QuestionType.SHORT
        for _sign, text, weight, feedback in items:
            data.options.append(
                OptionData(
                    _unescape(text.strip()),
                    is_correct=True,
                    fraction=_fraction(weight) if weight is not None and weight != 100 else None,
                    feedback=_gift_text(feedback, html) if feedback else "",
                )
            )
        return data
    right = [item for item in items if item[0] == "=" or (item[2] is not None and item[2] > 0)]
    # Weights make it multiple choice unless one answer takes all; our own
    # export marks multiple choice with "partial=" even then.
    multiple = len(right) > 1 or (weighted and (len(right) != 1 or "partial" in meta))
    data.qtype = QuestionType.MULTIPLE if multiple else QuestionType.SINGLE
    if data.qtype == QuestionType.MULTIPLE and "partial" not in meta:
        data.partial_credit = weighted
    for sign, text, weight, feedback in items:
        correct = sign == "=" or (weight is not None and weight > 0)
        data.options.append(
            OptionData(
                _gift_text(text, html),
                is_correct=correct,
                fraction=_fraction(weight) if weight is not None and data.qtype == QuestionType.MULTIPLE else None,
                feedback=_gift_text(feedback, html) if feedback.strip() else "",
            )
        )
    return data


def _fraction(weight: Decimal) -> Decimal:
    return (weight / 100).quantize(Decimal("0.0001"))


def _gift_items(body: str) -> list[tuple[str, str, Decimal | None, str]]:
    """(sign, text, weight in percent or None, feedback) per answer."""
    starts = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~":
            starts.append(i)
        i += 1
    if not starts or body[: starts[0]].strip():
        raise ValueError(_("Each answer must start with “=” (right) or “~” (wrong)."))
    items = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(body)
        chunk = body[start + 1 : end]
        weight = None
        match = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%", chunk)
        if match:
            try:
                weight = Decimal(match.group(1))
            except InvalidOperation:
                raise ValueError(_("Unreadable weight “%(w)s”.") % {"w": match.group(1)}) from None
            if not Decimal("-100") <= weight <= Decimal("100"):
                raise ValueError(_("A weight must lie between -100% and 100%."))
            chunk = chunk[match.end() :]
        pieces = _split_unescaped(chunk, "#")
        text, feedback = pieces[0], "#".join(pieces[1:])
        if not text.strip():
            raise ValueError(_("An answer is empty."))
        items.append((body[start], text, weight, feedback))
    return items


def _apply_meta(data: QuestionData, meta: dict[str, str]) -> None:
    try:
        if meta.get("marks"):
            data.marks = Decimal(meta["marks"])
    except InvalidOperation:
        raise ValueError(_("Unreadable marks “%(m)s”.") % {"m": meta["marks"]}) from None
    data.difficulty = meta.get("difficulty", data.difficulty)
    data.regulation_number = meta.get("regulation", "")
    data.article = meta.get("article", "")
    data.partial_credit = meta.get("partial", "0") == "1"
    data.accent_insensitive = meta.get("accents", "0") == "1"
    data.case_study = meta.get("case", "")


# The shares Moodle offers (question_bank::fraction_options); a stored
# 0.3333 is written as Moodle writes a third, so exports are stable.
MOODLE_FRACTIONS = tuple(
    Decimal(f)
    for f in (
        "1", "0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4", "0.3333333",
        "0.3", "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111", "0.1", "0.05",
    )
)  # fmt: skip


def _gift_weight(value: Decimal) -> str:
    size = abs(value)
    snapped = next((f for f in MOODLE_FRACTIONS if abs(f - size) < Decimal("0.0001")), size)
    text = f"{snapped.copy_sign(value) * 100:.5f}".rstrip("0").rstrip(".")
    return f"%{text}%"


def _meta_value(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


def export_gift(questions: Iterable[Question]) -> str:
    out: list[str] = []
    category = None
    cases: set[int] = set()
    for question in questions:
        if question.category_id != category:
            category = question.category_id
            out.append(f"$CATEGORY: $course$/top/{question.category.name}\n")
        if question.case_study_id and question.case_study_id not in cases:
            cases.add(question.case_study_id)
            case = question.case_study
            out.append(
                f"// tdkt: scenario={_meta_value(case.title)}\n"
                f"::{_escape(case.title)}::[html]{_escape(case.scenario or case.title)}\n"
            )
        meta = [f"marks={question.marks.normalize():f}", f"difficulty={question.difficulty}"]
        if question.regulation_id:
            meta.append(f"regulation={question.regulation.document_number}")
        if question.article:
            meta.append(f"article={_meta_value(question.article)}")
        if question.partial_credit or question.qtype == QuestionType.MULTIPLE:
            # Always said for multiple choice: the weights alone would read as partial credit.
            meta.append(f"partial={int(question.partial_credit)}")
        if question.accent_insensitive:
            meta.append("accents=1")
        if question.case_study_id:
            meta.append(f"case={_meta_value(question.case_study.title)}")
        lines = ["// tdkt: " + "; ".join(meta)]
        head = f"::{_escape(question.name)}::" if question.name else ""
        lines.append(f"{head}[html]{_escape(question.stem)}" + " {")
        options = list(question.options.all())
        if question.qtype == QuestionType.TRUE_FALSE:
            right = next(o for o in options if o.is_correct)
            wrong = next(o for o in options if not o.is_correct)
            answer = "TRUE" if html_to_text(right.text) == TRUE_TEXT else "FALSE"
            fb = ""
            if wrong.feedback or right.feedback:
                fb = f"#{_escape(wrong.feedback)}#{_escape(right.feedback)}"
            lines.append(f"\t{answer}{fb}")
        elif question.qtype == QuestionType.MATCHING:
            lines.extend(f"\t={_escape(o.text)} -> {_escape(o.match_text)}" for o in options)
        elif question.qtype == QuestionType.SHORT:
            for o in options:
                weight = _gift_weight(o.fraction) if o.fraction is not None else ""
                feedback = f"#{_escape(o.feedback)}" if o.feedback else ""
                lines.append(f"\t={weight}{_escape(html_to_text(o.text))}{feedback}")
        else:
            multiple = question.qtype == QuestionType.MULTIPLE
            correct = [o for o in options if o.is_correct]
            wrong = [o for o in options if not o.is_correct]
            for o in options:
                feedback = f"#{_escape(o.feedback)}" if o.feedback else ""
                if multiple:
                    fraction = o.fraction
                    if fraction is None:
                        # Equal shares; with partial credit this is exactly how we grade.
                        fraction = Decimal(1) / len(correct) if o.is_correct else Decimal(-1) / max(len(wrong), 1)
                    lines.append(f"\t~{_gift_weight(fraction)}{_escape(o.text)}{feedback}")
                else:
                    lines.append(f"\t{'=' if o.is_correct else '~'}{_escape(o.text)}{feedback}")
        if question.feedback:
            lines.append(f"\t####{_escape(question.feedback)}")
        lines.append("}\n")
        out.append("\n".join(lines))
    return "\n".join(out)


def export_queryset(category: Category) -> QuerySet[Question]:
    return (
        Question.objects.filter(category=category)
        .select_related("category", "regulation", "case_study")
        .prefetch_related("options")
        .order_by("pk")
    )


# --- Aiken --------------------------------------------------------------------------

_AIKEN_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*([A-Z]?)\s*$", re.IGNORECASE)


def parse_aiken(text: str) -> list[Parsed]:
    parsed: list[Parsed] = []
    problems: list[Problem] = []
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0

    def reset() -> None:
        nonlocal stem, options
        stem, options = [], []

    for number, raw in enumerate((nfc(text) or "").replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            if stem and not options:
                continue
            if options:
                problems.append(Problem(_line(start), _("The question has no “ANSWER:” line.")))
                reset()
            continue
        answer = _AIKEN_ANSWER.match(line)
        option = _AIKEN_OPTION.match(line)
        if answer:
            letter = answer.group(1).upper()
            letters = [key for key, _t in options]
            if not stem:
                problems.append(Problem(_line(number), _("“ANSWER:” without a question.")))
            elif letter not in letters:
                problems.append(
                    Problem(_line(number), _("The answer “%(a)s” is not one of the options.") % {"a": letter})
                )
            else:
                parsed.append(
                    Parsed(
                        _line(start),
                        QuestionData(
                            qtype=QuestionType.SINGLE,
                            stem=sanitize_html(" ".join(stem)),
                            options=[OptionData(sanitize_html(t), is_correct=key == letter) for key, t in options],
                        ),
                    )
                )
            reset()
        elif option and stem:
            options.append((option.group(1), option.group(2)))
        elif options:
            problems.append(Problem(_line(number), _("Expected an option “B. …” or “ANSWER: B”.")))
        else:
            if not stem:
                start = number
            stem.append(line)
    if stem:
        problems.append(Problem(_line(start), _("The question has no “ANSWER:” line.")))
    return _finish(parsed, problems)


# --- XLSX ---------------------------------------------------------------------------

LETTERS = "ABCDEF"
TYPE_NAMES = {
    "mot lua chon": QuestionType.SINGLE,
    "single": QuestionType.SINGLE,
    "nhieu lua chon": QuestionType.MULTIPLE,
    "multiple": QuestionType.MULTIPLE,
    "dung/sai": QuestionType.TRUE_FALSE,
    "dung sai": QuestionType.TRUE_FALSE,
    "truefalse": QuestionType.TRUE_FALSE,
    "tra loi ngan": QuestionType.SHORT,
    "short": QuestionType.SHORT,
    "ghep cap": QuestionType.MATCHING,
    "matching": QuestionType.MATCHING,
}
TYPE_LABELS = {
    QuestionType.SINGLE: "Một lựa chọn",
    QuestionType.MULTIPLE: "Nhiều lựa chọn",
    QuestionType.TRUE_FALSE: "Đúng/Sai",
    QuestionType.SHORT: "Trả lời ngắn",
    QuestionType.MATCHING: "Ghép cặp",
}
DIFFICULTY_NAMES = {"de": Difficulty.EASY, "trung binh": Difficulty.MEDIUM, "kho": Difficulty.HARD}
DIFFICULTY_LABELS = {Difficulty.EASY: "Dễ", Difficulty.MEDIUM: "Trung bình", Difficulty.HARD: "Khó"}
YES = {"co", "x", "1", "yes"}

COLUMNS = (
    Column("type", ("Loại câu hỏi", "Loai"), required=True, example="Một lựa chọn", width=16,
           help="Một lựa chọn, Nhiều lựa chọn, Đúng/Sai, Trả lời ngắn, Ghép cặp"),
    Column("stem", ("Nội dung câu hỏi", "Câu hỏi"), required=True, width=60,
           example="Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào?"),
    *(
        Column(f"option_{letter}", (f"Phương án {letter}",), example=example, width=30,
               help="Ghép cặp: “vế trái => vế phải”." if letter == "A" else "")
        for letter, example in zip(LETTERS, ("01/01/2023", "01/01/2024", "01/7/2024", "", "", ""), strict=True)
    ),
    Column("answer", ("Đáp án đúng", "Đáp án"), required=True, example="B", width=14,
           help="Chữ cái (A hoặc A, C); Đúng/Sai; trả lời ngắn: các đáp án cách nhau bởi “|”; ghép cặp: để trống."),
    Column("feedback", ("Giải thích",), width=50, example="Luật số 06/2022/QH15 có hiệu lực từ 01/01/2024."),
    Column("marks", ("Điểm",), example="1", width=8),
    Column("difficulty", ("Độ khó",), example="Dễ", width=12, help="Dễ, Trung bình, Khó"),
    Column("regulation", ("Số hiệu văn bản",), example="06/2022/QH15", width=18),
    Column("article", ("Điều khoản",), example="", width=16),
    Column("category", ("Chủ đề",), width=30, help="Để trống: chủ đề chọn khi nhập."),
    Column("partial", ("Tính điểm từng phần",), width=12, help="Có/Không"),
    Column("accents", ("Bỏ qua dấu",), width=12, help="Trả lời ngắn: Có để không phân biệt dấu."),
    Column("case", ("Tình huống",), width=30, help="Tên tình huống dùng chung cho nhiều câu hỏi (nếu có)."),
)  # fmt: skip


def xlsx_template() -> bytes:
    return build_template(COLUMNS, sheet_title="Câu hỏi")


def _row_place(number: int) -> str:
    return _("row %(number)d") % {"number": number}


def parse_xlsx(content: bytes, *, filename: str) -> list[Parsed]:
    try:
        sheet = read_spreadsheet(content, filename=filename, columns=COLUMNS, max_rows=MAX_QUESTIONS)
    except ServiceError as error:
        raise ImportProblems([Problem(_("File"), error.message)]) from None
    parsed: list[Parsed] = []
    problems: list[Problem] = []
    for row in sheet.rows:
        place = _row_place(row.number)
        values = {key: unsafe_cell(value) for key, value in row.values.items()}
        qtype = TYPE_NAMES.get(fold(values.get("type", "")).strip())
        if qtype is None:
            problems.append(Problem(place, _("Unknown question type “%(type)s”.") % {"type": values.get("type", "")}))
            continue
        data = QuestionData(
            qtype=qtype,
            stem=sanitize_html(values.get("stem", "")),
            feedback=sanitize_html(values.get("feedback", "")),
            regulation_number=values.get("regulation", "").strip(),
            article=values.get("article", "").strip(),
            category=values.get("category", "").strip(),
            case_study=values.get("case", "").strip(),
            partial_credit=fold(values.get("partial", "")).strip() in YES,
            accent_insensitive=fold(values.get("accents", "")).strip() in YES,
        )
        marks = values.get("marks", "").strip().replace(",", ".")
        if marks:
            try:
                data.marks = Decimal(marks)
            except InvalidOperation:
                problems.append(Problem(place, _("Unreadable marks “%(m)s”.") % {"m": marks}))
        difficulty = fold(values.get("difficulty", "")).strip()
        if difficulty:
            if difficulty not in DIFFICULTY_NAMES:
                problems.append(Problem(place, _("Unknown difficulty “%(value)s”.") % {"value": difficulty}))
            else:
                data.difficulty = DIFFICULTY_NAMES[difficulty]
        texts = [(letter, values.get(f"option_{letter}", "").strip()) for letter in LETTERS]
        texts = [(letter, text) for letter, text in texts if text]
        answer = values.get("answer", "").strip()
        if qtype == QuestionType.TRUE_FALSE:
            value = fold(answer)
            if value not in {"dung", "sai", "true", "false"}:
                problems.append(Problem(place, _("The answer of a true/false question must be Đúng or Sai.")))
                continue
            data.options = true_false_options(value in {"dung", "true"})
        elif qtype == QuestionType.SHORT:
            data.options = [OptionData(a.strip(), is_correct=True) for a in answer.split("|") if a.strip()]
        elif qtype == QuestionType.MATCHING:
            for letter, text in texts:
                left, sep, right = text.partition("=>")
                if not sep:
                    problems.append(Problem(place, _("Option %(l)s must be “left => right”.") % {"l": letter}))
                data.options.append(OptionData(sanitize_html(left.strip()), is_correct=True, match_text=right.strip()))
        else:
            letters = {part.strip().upper() for part in re.split(r"[,;\s]+", answer) if part.strip()}
            unknown = letters - {letter for letter, _t in texts}
            if unknown:
                problems.append(
                    Problem(
                        place, _("The answer names options that are empty: %(l)s.") % {"l": ", ".join(sorted(unknown))}
                    )
                )
            data.options = [OptionData(sanitize_html(text), is_correct=letter in letters) for letter, text in texts]
        parsed.append(Parsed(place, data))
    return _finish(parsed, problems)


def export_xlsx(questions: Iterable[Question]) -> bytes:
    rows = []
    for question in questions:
        options = list(question.options.all())
        row = {
            "type": TYPE_LABELS[question.qtype],
            "stem": question.stem,
            "feedback": question.feedback,
            "marks": f"{question.marks.normalize():f}",
            "difficulty": DIFFICULTY_LABELS.get(question.difficulty, ""),
            "regulation": question.regulation.document_number if question.regulation_id else "",
            "article": question.article,
            "category": question.category.name,
            "partial": "Có" if question.partial_credit else "",
            "accents": "Có" if question.accent_insensitive else "",
            "case": question.case_study.title if question.case_study_id else "",
        }
        if question.qtype == QuestionType.TRUE_FALSE:
            right = next(o for o in options if o.is_correct)
            row["answer"] = TRUE_TEXT if html_to_text(right.text) == TRUE_TEXT else FALSE_TEXT
        elif question.qtype == QuestionType.SHORT:
            row["answer"] = " | ".join(html_to_text(o.text) for o in options)
        else:
            for letter, option in zip(LETTERS, options, strict=False):
                text = option.text
                if question.qtype == QuestionType.MATCHING:
                    text = f"{html_to_text(option.text)} => {option.match_text}"
                row[f"option_{letter}"] = text
            row["answer"] = ", ".join(letter for letter, o in zip(LETTERS, options, strict=False) if o.is_correct)
            if question.qtype == QuestionType.MATCHING:
                row["answer"] = ""
        rows.append({key: safe_cell(value) for key, value in row.items()})
    return build_template(COLUMNS, sheet_title="Câu hỏi", example_rows=rows)
