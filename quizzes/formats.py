"""Question bank formats: GIFT and Aiken (Moodle's), and an XLSX template.

Importers validate the whole file and raise :class:`ImportProblems` listing
every problem with its line (GIFT, Aiken) or row (XLSX); callers save
nothing unless a file parses cleanly (all or nothing).

GIFT and Aiken follow Moodle's own reader and writer (see the GIFT section);
a GIFT file exported here and imported again gives the same questions, and
exporting those gives the same file.

GIFT carries what Moodle knows. What it does not (marks, difficulty, the
regulation and article tested, case study) travels in a comment line that
Moodle ignores: ``// tdkt: marks=2; difficulty=hard; regulation=13/2015/TT-BTTTT``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from cms.models import RegulationPage
from cms.sanitize import html_to_text, sanitize_html
from core.errors import ServiceError
from core.spreadsheets import Column, build_template, read_spreadsheet, safe_cell, unsafe_cell
from core.text import control_characters, fold, nfc
from quizzes.models import Category, Difficulty, Option, Question, QuestionType
from quizzes.services import FALSE_TEXT, TRUE_TEXT, OptionData, QuestionData, question_problems, true_false_options

MAX_QUESTIONS = 2000
CATEGORY_MAX = Category._meta.get_field("name").max_length


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
    parsers = {"gift": parse_gift, "aiken": parse_aiken}
    if fmt not in parsers:
        raise ImportProblems([Problem(_("File"), _("Unknown format."))])
    problems = _control_problems(text)
    try:
        parsed = parsers[fmt](text)
    except ImportProblems as error:
        problems.extend(error.problems)
    if problems:
        problems.sort(key=lambda p: _sort_key(p.place))
        raise ImportProblems(problems)
    return parsed


def _lines(text: str) -> list[str]:
    """The lines as GIFT and Aiken count them (CR LF, CR or LF ends one), so the numbers match."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _control_problems(text: str) -> list[Problem]:
    """Each line holding control characters (NUL and the like), wherever it is in the file.

    Invisible in the preview and refused by PostgreSQL (NUL), they are
    reported here rather than stored or failing the confirmation.
    """
    problems = []
    for number, line in enumerate(_lines(text), start=1):
        found = control_characters(line)
        if found:
            problems.append(
                Problem(
                    _line(number),
                    _("The line contains control characters (%(characters)s); remove them.")
                    % {"characters": ", ".join(found)},
                )
            )
    return problems


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
#
# As Moodle reads and writes it (question/format/gift/format.php): questions
# are separated by blank lines; a line starting with // is a comment; the
# answer block {…} decides the type (empty: essay; #: numerical; any ~:
# multiple choice, single-answer when one answer starts with =; = and ->:
# matching; T, TRUE, F, FALSE: true/false; else short answer). Each answer
# may carry a weight %n% (one of Moodle's grades, else an error, as Moodle's
# default "error if grade not listed") and a feedback after #; ####
# starts the general feedback; a text may start with its format, [html],
# [moodle], [plain] or [markdown], else it takes the question text's.

_ESCAPABLE = frozenset(":#={}~n\\")
_FORMAT_TAG = re.compile(r"\[(html|moodle|plain|markdown)\]")
_META = re.compile(r"^//\s*tdkt:\s*(.*)$", re.IGNORECASE)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_MAX_NUMBER = Decimal("1e12")
_NUMBER_PLACES = Decimal("1e-10")

# The grades Moodle offers (question_bank::fraction_options_full), as shares.
MOODLE_FRACTIONS = tuple(
    Decimal(f)
    for f in (
        "1", "0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4", "0.3333333",
        "0.3", "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111", "0.1", "0.05", "0",
    )
)  # fmt: skip


class _GiftError(ValueError):
    """A problem in a GIFT question, at ``offset`` in its text (None: the question's first line)."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


@dataclass
class _Block:
    start: int  # the line number of ``text``'s first line
    comments: list[str]  # the comment lines before it
    text: str  # comment lines inside it are blank, so offsets still count lines

    def line_of(self, offset: int | None) -> int:
        return self.start + (self.text.count("\n", 0, offset) if offset else 0)


@dataclass
class _Answer:
    sign: str  # "=", "~" or "" (a numerical answer written without "=")
    weight: Decimal | None  # Moodle's share, when the answer says %n%
    text: str  # still escaped
    feedback: str  # still escaped
    offset: int


def _scan(text: str, start: int = 0) -> Iterable[tuple[int, str]]:
    """(index, character) of each character that is not part of an escape."""
    i = start
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            i += 2
            continue
        yield i, text[i]
        i += 1


def _find(text: str, chars: str, start: int = 0) -> int:
    """Index of the first unescaped character of ``chars`` from ``start``, else -1."""
    return next((i for i, char in _scan(text, start) if char in chars), -1)


def _split_unescaped(text: str, marker: str, maxsplit: int = -1) -> list[str]:
    parts, start = [], 0
    for i, _char in _scan(text):
        if i >= start and text.startswith(marker, i) and maxsplit != 0:
            parts.append(text[start:i])
            start = i + len(marker)
            maxsplit -= 1
    return [*parts, text[start:]]


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append("\n" if text[i + 1] == "n" else text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _split_format(raw: str, default: str) -> tuple[str, str]:
    text = raw.strip()
    tag = _FORMAT_TAG.match(text)
    return (tag.group(1), text[tag.end() :]) if tag else (default, text)


def render_text(text: str, fmt: str) -> str:
    """A text in one of Moodle's formats as the HTML we store, always through the one sanitiser."""
    if fmt == "html":
        return sanitize_html(text)
    if fmt == "plain":
        return sanitize_html(html.escape(text, quote=False).replace("\n", "<br>"))
    if fmt == "markdown":
        return sanitize_html(MarkdownIt("commonmark").render(text).strip())
    # Moodle's own format: HTML allowed, line breaks kept.
    return sanitize_html(text.replace("\n", "<br>"))


def _gift_text(raw: str, default: str) -> str:
    fmt, text = _split_format(raw, default)
    return render_text(_unescape(text).strip(), fmt) if text.strip() else ""


def _plain(raw: str) -> str:
    """A short answer or a matching answer: plain text (a format tag, if any, is dropped as Moodle does)."""
    return _unescape(_split_format(raw, "plain")[1]).strip()


def _gift_blocks(text: str) -> Iterable[_Block]:
    """The file's questions: runs of lines between blank lines, with the comments before each."""
    lines: list[str] = []
    comments: list[str] = []
    start = 0
    for number, line in enumerate([*_lines(text), ""], start=1):
        stripped = line.strip()
        if not stripped:
            if lines:
                yield _Block(start, comments, "\n".join(lines))
            lines, comments = [], []
        elif stripped.startswith("//"):
            if lines:
                lines.append("")
            else:
                comments.append(stripped)
        else:
            if not lines:
                start = number
            lines.append(line)


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
    for block in _gift_blocks(nfc(text) or ""):
        if block.text.lstrip().startswith("$CATEGORY:"):
            # "$course$/top/Luật Thi đua" → the last part names the category.
            first, _newline, rest = block.text.lstrip().partition("\n")
            category = first.split(":", 1)[1].strip().split("/")[-1].strip()
            if len(category) > CATEGORY_MAX:
                # Said once, at its line; the questions under it are not told again.
                problems.append(
                    Problem(
                        _line(block.start),
                        _("The category name is longer than %(max)d characters.") % {"max": CATEGORY_MAX},
                    )
                )
                category = ""
            if not rest.strip():
                continue
            block = _Block(block.start + 1, [], rest)
        meta = _meta(block.comments)
        try:
            if meta.get("scenario") and _find(block.text, "{}") == -1:
                # A case study's scenario: a description item for Moodle.
                scenarios[meta["scenario"]] = _gift_description(block.text)
                continue
            data = _gift_question(block.text.strip(), meta)
        except _GiftError as error:
            problems.append(Problem(_line(block.line_of(_offset(block, error))), str(error)))
            continue
        data.category = data.category or category
        parsed.append(Parsed(_line(block.start), data))
    for item in parsed:
        item.data.case_scenario = scenarios.get(item.data.case_study, "")
    return _finish(parsed, problems)


def _offset(block: _Block, error: _GiftError) -> int | None:
    # Offsets are in the stripped text; the block's own text may start with spaces.
    if error.offset is None:
        return None
    return error.offset + len(block.text) - len(block.text.lstrip())


def _gift_name(text: str) -> tuple[str, int]:
    """The ``::name::`` and where the question text starts."""
    if not text.startswith("::"):
        return "", 0
    end = text.find("::", 2)
    if end == -1:
        raise _GiftError(_("The title is not closed with “::”."))
    return _unescape(text[2:end]).strip(), end + 2


def _gift_description(text: str) -> str:
    _name, start = _gift_name(text.strip())
    return _gift_text(text.strip()[start:], "moodle")


def _answer_block(text: str, start: int) -> tuple[int, int]:
    """Where the one answer block opens and closes; every other shape is an error with its place."""
    opens = [i for i, char in _scan(text, start) if char == "{"]
    closes = [i for i, char in _scan(text, start) if char == "}"]
    if not opens and not closes:
        raise _GiftError(
            _("A description (text without an answer block “{…}”) is not imported; make it a question or remove it.")
        )
    if not closes:
        raise _GiftError(_("The answer block is not closed with “}”."), opens[0])
    if not opens or closes[0] < opens[0]:
        raise _GiftError(_("“}” without an opening “{”."), closes[0])
    if len(opens) > 1 and opens[1] < closes[0]:
        raise _GiftError(_("“{” inside an answer block: the first block is not closed with “}”."), opens[1])
    if len(opens) > 1 or len(closes) > 1:
        raise _GiftError(
            _("More than one answer block: embedded answers (cloze) are not supported."),
            (opens[1:] or closes[1:])[0],
        )
    return opens[0], closes[0]


def _gift_question(text: str, meta: dict[str, str]) -> QuestionData:
    name, start = _gift_name(text)
    open_at, close_at = _answer_block(text, start)
    # Missing word: unless the answers end the question, the blank stands where they were.
    blank = "" if text.endswith("}") else "_____" + text[close_at + 1 :]
    stem_raw = text[start:open_at] + blank
    body = text[open_at + 1 : close_at]
    # The general feedback follows the last "####", as Moodle reads it.
    parts = _split_unescaped(body, "####")
    body, general = ("####".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (body, "")
    offset = open_at + 1 + len(body) - len(body.lstrip())
    body = body.strip()
    fmt, stem = _split_format(stem_raw, "moodle")
    data = QuestionData(
        qtype=QuestionType.SINGLE,
        stem=render_text(_unescape(stem).strip(), fmt),
        name=name,
        feedback=_gift_text(general, fmt),
    )
    _apply_meta(data, meta)
    if not body:
        raise _GiftError(_("Essay questions (an empty answer block) are not supported: they need grading by hand."))
    if body.startswith("#"):
        _gift_numerical(data, body[1:], offset + 1, fmt)
    elif _find(body, "~") != -1:
        _gift_choices(data, body, offset, fmt, meta)
    elif _find(body, "=") != -1 and "->" in body:
        _gift_matching(data, body, offset, fmt, meta)
    elif _split_unescaped(body, "#", 1)[0].strip() in _TRUE_FALSE:
        _gift_true_false(data, body, fmt)
    else:
        _gift_short(data, body, offset, fmt)
    return data


def _gift_answers(body: str, offset: int, signs: str, *, leading: bool = False) -> list[_Answer]:
    """Each answer of a block with its weight, text and feedback (all still escaped).

    ``leading``: text before the first sign is an answer too (numerical ``{#3:2}``).
    """
    starts = [i for i, char in _scan(body) if char in signs]
    if body[: starts[0] if starts else len(body)].strip():
        if not leading:
            raise _GiftError(_("Each answer must start with “=” (right) or “~” (wrong)."), offset)
        starts = [-1, *starts]
    answers = []
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(body)
        chunk = body[begin + 1 : end]
        place = offset + begin + 1
        weight = None
        stripped = chunk.lstrip()
        found = re.match(r"%([^%\n]*)%", stripped)
        if found:
            weight = _weight(found.group(1), place)
            chunk = stripped[found.end() :]
        text, *feedback = _split_unescaped(chunk, "#", 1)
        answers.append(_Answer(body[begin] if begin >= 0 else "", weight, text, "".join(feedback), place))
    return answers


def _weight(value: str, place: int) -> Decimal:
    """A %n% weight as Moodle's share; only the grades Moodle offers, as its import requires."""
    try:
        share = Decimal(value.strip()) / 100
    except ArithmeticError:
        share = None
    if share is not None and share.is_finite():
        snapped = next((f for f in MOODLE_FRACTIONS if abs(f - abs(share)) < Decimal("0.00001")), None)
        if snapped is not None:
            return snapped.copy_sign(share) if snapped else Decimal(0)
    raise _GiftError(
        _("Unknown weight “%(w)s%%”: Moodle accepts 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, "
          "33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 and 0, or minus one of them.")
        % {"w": value},
        place,
    )  # fmt: skip


def _require_text(answer: _Answer, text: str) -> None:
    if not text:
        raise _GiftError(_("An answer is empty."), answer.offset)


def _gift_true_false(data: QuestionData, body: str, fmt: str) -> None:
    answer, *feedbacks = _split_unescaped(body, "#", 2)
    right = _TRUE_FALSE[answer.strip()]
    wrong_fb, right_fb = [_gift_text(f, fmt) for f in [*feedbacks, "", ""][:2]]
    data.qtype = QuestionType.TRUE_FALSE
    data.options = true_false_options(
        right,
        feedback_true=right_fb if right else wrong_fb,
        feedback_false=wrong_fb if right else right_fb,
    )


def _gift_choices(data: QuestionData, body: str, offset: int, fmt: str, meta: dict[str, str]) -> None:
    answers = _gift_answers(body, offset, "=~")
    single = any(a.sign == "=" for a in answers)
    data.qtype = QuestionType.SINGLE if single else QuestionType.MULTIPLE
    if not single:
        # Moodle adds up the chosen shares of a multiple-answer question.
        data.partial_credit = meta.get("partial", "1") == "1"
    for answer in answers:
        if answer.sign == "=" and answer.weight is not None:
            raise _GiftError(
                _("“=” already marks the answer worth 100%; write a partial weight as “~%50%”."), answer.offset
            )
        text = _gift_text(answer.text, fmt)
        _require_text(answer, text)
        fraction = Decimal(1) if answer.sign == "=" else (answer.weight or Decimal(0))
        data.options.append(OptionData(text, fraction=fraction, feedback=_gift_text(answer.feedback, fmt)))


def _gift_matching(data: QuestionData, body: str, offset: int, fmt: str, meta: dict[str, str]) -> None:
    data.qtype = QuestionType.MATCHING
    # Moodle gives a share per right pair.
    data.partial_credit = meta.get("partial", "1") == "1"
    for answer in _gift_answers(body, offset, "="):
        left, arrow, right = answer.text.partition("->")
        if not arrow:
            raise _GiftError(_("Every answer of a matching question must be “=left -> right”."), answer.offset)
        match = _plain(right)
        _require_text(answer, match)
        # "= -> Chat": no left-hand item, one more answer to choose from (a distractor).
        left_html = _gift_text(left, fmt)
        data.options.append(OptionData(left_html, fraction=Decimal(1 if left_html else 0), match_text=match))


def _gift_short(data: QuestionData, body: str, offset: int, fmt: str) -> None:
    data.qtype = QuestionType.SHORT
    try:
        answers = _gift_answers(body, offset, "=")
    except _GiftError as error:
        if body.strip().upper() in _TRUE_FALSE:
            raise _GiftError(
                _(
                    "Write TRUE or FALSE (or T, F) in capitals for a true/false question, "
                    "or “=answer” for a short answer."
                )
            ) from None
        raise error
    for answer in answers:
        text = _plain(answer.text)
        _require_text(answer, text)
        fraction = Decimal(1) if answer.weight is None else answer.weight
        data.options.append(OptionData(text, fraction=fraction, feedback=_gift_text(answer.feedback, fmt)))


def _gift_numerical(data: QuestionData, body: str, offset: int, fmt: str) -> None:
    data.qtype = QuestionType.NUMERICAL
    wrong_at = _find(body, "~")
    wrong = body[wrong_at + 1 :] if wrong_at != -1 else None
    answers = _gift_answers(body[:wrong_at] if wrong_at != -1 else body, offset, "=", leading=True)
    if not answers:
        raise _GiftError(_("A numerical question needs at least one number."), offset)
    for answer in answers:
        value, tolerance = _number_answer(answer)
        fraction = Decimal(1) if answer.weight is None else answer.weight
        feedback = _gift_text(answer.feedback, fmt)
        data.options.append(OptionData(value, fraction=fraction, tolerance=tolerance, feedback=feedback))
    if wrong is not None:
        # "~#feedback": what any other number earns (nothing) and is told.
        feedback = _split_unescaped(wrong, "#", 1)[1:]
        data.options.append(OptionData("*", fraction=Decimal(0), feedback=_gift_text("".join(feedback), fmt)))


def _number_answer(answer: _Answer) -> tuple[str, Decimal | None]:
    """``value``, ``value:tolerance``, ``min..max`` or ``*`` as (value, tolerance)."""
    text = _unescape(answer.text).strip()
    _require_text(answer, text)
    if text == "*":
        return "*", None
    if ".." in text[1:]:
        low, high = (_number(part, answer) for part in text.split("..", 1))
        if low > high:
            raise _GiftError(_("The range %(r)s ends below where it starts.") % {"r": text}, answer.offset)
        middle, half = (low + high) / 2, (high - low) / 2
        if half != half.quantize(_NUMBER_PLACES):
            # Stored as its middle ± half its width: a half one decimal too fine would be rounded.
            raise _GiftError(
                _("“%(text)s”: numbers must lie below a million million, with at most 10 decimals.") % {"text": text},
                answer.offset,
            )
        return _number_text(middle), half
    value, colon, tolerance = text.partition(":")
    margin = _number(tolerance, answer) if colon else Decimal(0)
    if margin < 0:
        raise _GiftError(_("A tolerance must be a number of at least 0."), answer.offset)
    return _number_text(_number(value, answer)), margin


def _number(text: str, answer: _Answer) -> Decimal:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        raise _GiftError(_("“%(text)s” is not a number.") % {"text": text.strip()}, answer.offset)
    if abs(value) >= _MAX_NUMBER or value != value.quantize(_NUMBER_PLACES):
        raise _GiftError(
            _("“%(text)s”: numbers must lie below a million million, with at most 10 decimals.")
            % {"text": text.strip()},
            answer.offset,
        )
    return value


def _number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _apply_meta(data: QuestionData, meta: dict[str, str]) -> None:
    try:
        if meta.get("marks"):
            data.marks = Decimal(meta["marks"])
    except InvalidOperation:
        raise _GiftError(_("Unreadable marks “%(m)s”.") % {"m": meta["marks"]}) from None
    data.difficulty = meta.get("difficulty", data.difficulty)
    data.regulation_number = meta.get("regulation", "")
    data.article = meta.get("article", "")
    data.partial_credit = meta.get("partial", "0") == "1"
    data.accent_insensitive = meta.get("accents", "0") == "1"
    data.case_study = meta.get("case", "")


def _gift_weight(value: Decimal) -> str:
    # A share stored before Moodle's precision (0.3333) is written as Moodle writes a third.
    size = next((f for f in MOODLE_FRACTIONS if abs(f - abs(value)) < Decimal("0.0001")), abs(value))
    text = f"{size.copy_sign(value) * 100:.5f}".rstrip("0").rstrip(".")
    return f"%{text}%"


def _meta_value(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


def export_gift(questions: Iterable[Question]) -> str:
    """The bank in GIFT, as Moodle writes it, with our metadata in comments Moodle ignores."""
    out: list[str] = []
    category = None
    cases: set[int] = set()
    for question in questions:
        if question.category_id != category:
            category = question.category_id
            out.append(f"$CATEGORY: $course$/top/{question.category.name}\n")
        if question.case_study_id and question.case_study_id not in cases:
            cases.add(question.case_study_id)
            out.append(_export_case(question.case_study))
        options = list(question.options.all())
        lines = [_export_meta(question)]
        head = f"::{_escape(question.name)}::" if question.name else ""
        stem = f"{head}[html]{_escape(question.stem)}"
        if question.qtype == QuestionType.TRUE_FALSE:
            lines.append(stem + "{" + _export_true_false(options) + _export_general(question, "") + "}\n")
        else:
            lines.append(stem + "{" + ("#" if question.qtype == QuestionType.NUMERICAL else ""))
            lines.extend(f"\t{answer}" for answer in _export_answers(question, options))
            lines.append(_export_general(question, "\t") + "}\n")
        out.append("\n".join(line for line in lines if line))
    return "\n".join(out)


def _export_case(case) -> str:
    scenario = _escape(case.scenario or case.title)
    return f"// tdkt: scenario={_meta_value(case.title)}\n::{_escape(case.title)}::[html]{scenario}\n"


def _export_meta(question: Question) -> str:
    meta = [f"marks={question.marks.normalize():f}", f"difficulty={question.difficulty}"]
    if question.regulation_id:
        meta.append(f"regulation={question.regulation.document_number}")
    if question.article:
        meta.append(f"article={_meta_value(question.article)}")
    if question.qtype in (QuestionType.MULTIPLE, QuestionType.MATCHING) or question.partial_credit:
        # Always said where Moodle's own reading (shares added up) may not be ours.
        meta.append(f"partial={int(question.partial_credit)}")
    if question.accent_insensitive:
        meta.append("accents=1")
    if question.case_study_id:
        meta.append(f"case={_meta_value(question.case_study.title)}")
    return "// tdkt: " + "; ".join(meta)


def _export_general(question: Question, indent: str) -> str:
    if not question.feedback:
        return ""
    return f"{indent}####{_escape(question.feedback)}" + ("\n" if indent else "")


def _export_true_false(options: list[Option]) -> str:
    right = next(o for o in options if o.fraction > 0)
    wrong = next(o for o in options if o is not right)
    answer = "TRUE" if html_to_text(right.text) == TRUE_TEXT else "FALSE"
    if wrong.feedback or right.feedback:
        answer += f"#{_escape(wrong.feedback)}"
    if right.feedback:
        answer += f"#{_escape(right.feedback)}"
    return answer


def _export_answers(question: Question, options: list[Option]) -> list[str]:
    if question.qtype == QuestionType.MATCHING:
        return [f"={_escape(o.text)} -> {_escape(o.match_text)}" if o.text else f"= -> {_escape(o.match_text)}"
                for o in options]  # fmt: skip
    answers = []
    for o in options:
        feedback = f"#{_escape(o.feedback)}"
        if question.qtype == QuestionType.SHORT:
            answers.append(f"={_gift_weight(o.fraction)}{_escape(html_to_text(o.text))}{feedback}")
        elif question.qtype == QuestionType.NUMERICAL:
            value = html_to_text(o.text).strip()
            if value == "*" and o.fraction == 0:
                answers.append(f"~{feedback}")
            else:
                tolerance = f":{_number_text(o.tolerance or Decimal(0))}" if value != "*" else ""
                answers.append(f"={_gift_weight(o.fraction)}{_escape(value)}{tolerance}{feedback}")
        else:
            single = question.qtype == QuestionType.SINGLE
            sign = "=" if single and o.fraction == 1 else ("~" if o.fraction == 0 else f"~{_gift_weight(o.fraction)}")
            answers.append(f"{sign}{_escape(o.text)}{feedback if o.feedback else ''}")
    return answers


def export_queryset(category: Category) -> QuerySet[Question]:
    return (
        Question.objects.filter(category=category)
        .select_related("category", "regulation", "case_study")
        .prefetch_related("options")
        .order_by("pk")
    )


# --- Aiken --------------------------------------------------------------------------
#
# Plain text, as Moodle reads it: a question line, options "A. …" or "A) …",
# then "ANSWER: A". Nothing in it is markup: "<b>" is shown as typed.

_AIKEN_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*([A-Z]?)\s*$", re.IGNORECASE)


def parse_aiken(text: str) -> list[Parsed]:
    """Each question ends at its "ANSWER:" line; a blank line ends one that never got there."""
    parsed: list[Parsed] = []
    problems: list[Problem] = []
    lines = _lines(nfc(text) or "")
    current: list[tuple[int, str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip()
        if line:
            current.append((number, line))
        if current and (not line or _AIKEN_ANSWER.match(line)):
            try:
                parsed.append(Parsed(_line(current[0][0]), _aiken_question(current)))
            except _AikenError as error:
                problems.append(Problem(_line(error.line), str(error)))
            current = []
    return _finish(parsed, problems)


class _AikenError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _aiken_question(lines: list[tuple[int, str]]) -> QuestionData:
    """Question lines, options, then the answer line: plain text, so "<b>" stays the characters <b>."""
    first = lines[0][0]
    *body, (last_number, last) = lines
    answer = _AIKEN_ANSWER.match(last)
    if not answer:
        body.append((last_number, last))
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    for number, line in body:
        option = _AIKEN_OPTION.match(line)
        if option and stem:
            options.append((option.group(1), option.group(2)))
        elif _AIKEN_ANSWER.match(line) or options:
            raise _AikenError(_("Expected an option “B. …” or “ANSWER: B”."), number)
        else:
            stem.append(line)
    if not stem:
        raise _AikenError(_("“ANSWER:” without a question."), first)
    if not options:
        raise _AikenError(_("The question has no options “A. …”."), first)
    if not answer:
        raise _AikenError(_("The question has no “ANSWER:” line."), first)
    letter = answer.group(1).upper()
    if letter not in {key for key, _t in options}:
        raise _AikenError(_("The answer “%(a)s” is not one of the options.") % {"a": letter}, last_number)
    return QuestionData(
        qtype=QuestionType.SINGLE,
        stem=render_text(" ".join(stem), "plain"),
        options=[OptionData(render_text(t, "plain"), is_correct=key == letter) for key, t in options],
    )


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
    "so": QuestionType.NUMERICAL,
    "numerical": QuestionType.NUMERICAL,
}
TYPE_LABELS = {
    QuestionType.SINGLE: "Một lựa chọn",
    QuestionType.MULTIPLE: "Nhiều lựa chọn",
    QuestionType.TRUE_FALSE: "Đúng/Sai",
    QuestionType.SHORT: "Trả lời ngắn",
    QuestionType.MATCHING: "Ghép cặp",
    QuestionType.NUMERICAL: "Số",
}
DIFFICULTY_NAMES = {"de": Difficulty.EASY, "trung binh": Difficulty.MEDIUM, "kho": Difficulty.HARD}
DIFFICULTY_LABELS = {Difficulty.EASY: "Dễ", Difficulty.MEDIUM: "Trung bình", Difficulty.HARD: "Khó"}
YES = {"co", "x", "1", "yes"}

COLUMNS = (
    Column("type", ("Loại câu hỏi", "Loai"), required=True, example="Một lựa chọn", width=16,
           help="Một lựa chọn, Nhiều lựa chọn, Đúng/Sai, Trả lời ngắn, Ghép cặp, Số"),
    Column("stem", ("Nội dung câu hỏi", "Câu hỏi"), required=True, width=60,
           example="Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực từ ngày nào?"),
    *(
        Column(f"option_{letter}", (f"Phương án {letter}",), example=example, width=30,
               help="Ghép cặp: “vế trái => vế phải”." if letter == "A" else "")
        for letter, example in zip(LETTERS, ("01/01/2023", "01/01/2024", "01/7/2024", "", "", ""), strict=True)
    ),
    Column("answer", ("Đáp án đúng", "Đáp án"), required=True, example="B", width=14,
           help="Chữ cái (A hoặc A, C); Đúng/Sai; trả lời ngắn: các đáp án cách nhau bởi “|”; "
                "số: 2024, 3:2 (sai số ±2) hoặc 1..5; ghép cặp: để trống."),
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
        controls = _cell_control_problems(place, values)
        if controls:
            problems.extend(controls)
            continue
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
        elif qtype == QuestionType.NUMERICAL:
            try:
                data.options = [_xlsx_number(a) for a in answer.split("|") if a.strip()]
            except _GiftError as error:
                problems.append(Problem(place, str(error)))
                continue
        elif qtype == QuestionType.MATCHING:
            for letter, text in texts:
                left, sep, right = text.partition("=>")
                if not sep:
                    problems.append(Problem(place, _("Option %(l)s must be “left => right”.") % {"l": letter}))
                # "=> Nghị định" with no left-hand item: a distractor, one more answer to choose from.
                data.options.append(
                    OptionData(sanitize_html(left.strip()), is_correct=bool(left.strip()), match_text=right.strip())
                )
        else:
            letters = {part.strip().upper() for part in re.split(r"[,;\s]+", answer) if part.strip()}
            unknown = letters - {letter for letter, _t in texts}
            if qtype == QuestionType.SINGLE and len(letters) > 1:
                problems.append(Problem(place, _("A single-choice question has more than one right answer.")))
            if unknown:
                problems.append(
                    Problem(
                        place, _("The answer names options that are empty: %(l)s.") % {"l": ", ".join(sorted(unknown))}
                    )
                )
            data.options = [OptionData(sanitize_html(text), is_correct=letter in letters) for letter, text in texts]
        parsed.append(Parsed(place, data))
    return _finish(parsed, problems)


# Cells whose line breaks are part of the text (Alt+Enter in Excel); in the others a line break is a mistake.
_MULTILINE = frozenset({"stem", "feedback", *(f"option_{letter}" for letter in LETTERS)})


def _cell_control_problems(place: str, values: dict[str, str]) -> list[Problem]:
    titles = {column.key: column.title for column in COLUMNS}
    problems = []
    for key, value in values.items():
        found = control_characters(value, line_breaks=key in _MULTILINE)
        if found:
            problems.append(
                Problem(
                    place,
                    _("“%(column)s” contains control characters (%(characters)s); retype the cell.")
                    % {"column": titles[key], "characters": ", ".join(found)},
                )
            )
    return problems


def _xlsx_number(text: str) -> OptionData:
    value, tolerance = _number_answer(_Answer("=", None, _escape(text.strip()), "", 0))
    return OptionData(value, is_correct=True, tolerance=tolerance)


def _xlsx_number_text(option: Option) -> str:
    value = html_to_text(option.text).strip()
    return f"{value}:{_number_text(option.tolerance)}" if option.tolerance else value


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
            # The template has no shares: the accepted answers travel, a "*" worth nothing needs no line.
            row["answer"] = " | ".join(html_to_text(o.text) for o in options if o.fraction > 0)
        elif question.qtype == QuestionType.NUMERICAL:
            row["answer"] = " | ".join(_xlsx_number_text(o) for o in options if o.fraction > 0)
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
