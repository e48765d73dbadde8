"""Options carry Moodle's shares: existing questions keep their scores, numerical questions are taken
on the phone, matching distractors are choices only, and an import is confirmed once."""

import itertools
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.roles import Role
from quizzes import grading, services
from quizzes.formats import ImportProblems
from quizzes.models import Attempt, Question, QuestionSlot
from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory, RegulationPageFactory

BEFORE = [("quizzes", "0002_editor_permissions")]
ZERO, ONE = Decimal(0), Decimal(1)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def old_grade(qtype: str, partial: bool, options: list, chosen: set, text: str, accents: bool) -> Decimal:
    """The grading before options carried shares (quizzes/grading.py at commit 3eab556)."""

    def weight(o):
        return o.fraction if o.fraction is not None and o.fraction > 0 else ONE

    if qtype in ("single", "truefalse"):
        return next((weight(o) for o in options if o.pk in chosen and o.is_correct), ZERO)
    if qtype == "short":
        given = grading.normalise_answer(text, accent_insensitive=accents)
        if not given:
            return ZERO
        return next(
            (
                weight(o)
                for o in options
                if o.is_correct and grading.normalise_answer(o.text, accent_insensitive=accents) == given
            ),
            ZERO,
        )
    correct = {o.pk for o in options if o.is_correct}
    wrong = {o.pk for o in options if not o.is_correct}
    if not partial:
        return ONE if chosen == correct else ZERO
    if any(o.fraction is not None for o in options):
        total = sum((o.fraction or ZERO for o in options if o.pk in chosen), ZERO)
    else:
        total = Decimal(len(chosen & correct)) / max(len(correct), 1) - Decimal(len(chosen & wrong)) / max(
            len(wrong), 1
        )
    return min(max(total.quantize(Decimal("0.001")), ZERO), ONE)


# (type, partial credit, [(text, right, share or None)])
OLD_QUESTIONS = [
    ("single", False, [("A", True, None), ("B", False, None), ("C", False, None)]),
    ("single", False, [("A", True, "0.5"), ("B", False, "0.5"), ("C", False, None)]),
    ("single", False, [("A", True, "-0.5"), ("B", False, None)]),
    ("truefalse", False, [("Đúng", False, None), ("Sai", True, None)]),
    ("multiple", False, [("A", True, None), ("B", True, None), ("C", False, None)]),
    ("multiple", False, [("A", True, "0.5"), ("B", True, None), ("C", False, "0.25")]),
    ("multiple", True, [("A", True, None), ("B", True, None), ("C", True, None), ("D", False, None)]),
    ("multiple", True, [("A", True, None), ("B", False, None), ("C", False, None), ("D", False, None)]),
    ("multiple", True, [("A", True, "0.5"), ("B", True, "0.5"), ("C", False, "-1")]),
    ("multiple", True, [("A", True, "1"), ("B", True, None), ("C", False, "-0.5"), ("D", False, None)]),
    ("multiple", True, [("A", True, None), ("B", True, None)]),
    ("short", False, [("thi đua, khen thưởng", True, None), ("thi đua khen thưởng", True, "0.5")]),
]
TYPED = ["thi đua, khen thưởng", "Thi đua khen thưởng.", "khen thưởng", ""]


def test_existing_questions_keep_their_scores_through_the_migration(migrator):
    old = migrator(BEFORE)
    category = old.get_model("quizzes", "Category").objects.create(name="Cũ")
    OldQuestion, OldOption = old.get_model("quizzes", "Question"), old.get_model("quizzes", "Option")
    before = {}
    for qtype, partial, specs in OLD_QUESTIONS:
        question = OldQuestion.objects.create(category=category, qtype=qtype, stem="<p>?</p>", partial_credit=partial)
        for index, (text, right, share) in enumerate(specs):
            OldOption.objects.create(
                question=question,
                sort_order=index,
                text=text,
                is_correct=right,
                fraction=Decimal(share) if share else None,
            )
        options = list(OldOption.objects.filter(question=question).order_by("sort_order"))
        before[question.pk] = {
            (picks, text): old_grade(qtype, partial, options, {options[i].pk for i in picks}, text, False)
            for picks, text in _responses(qtype, len(options))
        }

    migrator([("quizzes", "0004_option_fractions")])
    migrator(MigrationExecutor(connection).loader.graph.leaf_nodes())

    for question in Question.objects.filter(pk__in=before).prefetch_related("options"):
        options = list(question.options.all())
        after = {}
        for picks, text in _responses(question.qtype, len(options)):
            ids = [options[i].pk for i in picks]
            response = {"text": text} if question.qtype == "short" else {"choices": ids}
            if question.qtype in ("single", "truefalse"):
                response = {"choice": ids[0]} if ids else None
            after[(picks, text)] = grading.grade(question, options, response, [])
        assert after == before[question.pk], (question.qtype, question.partial_credit)
        # The right answers stay right: a share above 0.
        assert [o.is_correct for o in options] == [o.fraction > 0 for o in options]


def _responses(qtype: str, size: int):
    """Every response a trainee can give: each set of options (one at most for single choice), or each text."""
    if qtype == "short":
        yield from (((), text) for text in TYPED)
        return
    most = 1 if qtype in ("single", "truefalse") else size
    for count in range(most + 1):
        yield from ((picks, "") for picks in itertools.combinations(range(size), count))


# --- numerical questions in an attempt ------------------------------------------------------


@pytest.fixture
def numerical_quiz(db):
    category = QuestionCategoryFactory(name="Số liệu")
    question = QuestionFactory(
        category=category,
        qtype="numerical",
        stem="<p>Trong 5 năm, bao nhiêu tập thể nhận Cờ thi đua của Chính phủ?</p>",
        options=[("92", True), ("*", False)],
    )
    question.options.filter(text="92").update(tolerance=Decimal("0.5"), feedback="<p>Đúng: 92 tập thể.</p>")
    return QuizFactory(rules=[(category, 1)], review_when="after_submit")


def test_a_numerical_question_is_typed_on_the_phone_validated_and_graded(client, trainee, numerical_quiz):
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[numerical_quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    slot = attempt.slots.get()
    page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert 'inputmode="decimal"' in page and f'name="q{slot.pk}"' in page
    # The answer never reaches the browser (tokens and nonces are random, so look at the text only).
    text = re.sub(r"<[^>]*>", " ", page)
    assert not re.search(r"\b92\b", text) and "Đúng: 92" not in page
    url = reverse("quizzes:answer", args=[attempt.pk])
    saved = client.post(url, {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "92,4"})
    assert saved.status_code == 200
    refused = client.post(url, {"slot": slot.pk, f"v{slot.pk}": 1, f"q{slot.pk}": "chín mươi hai"})
    assert refused.status_code == 400 and refused.json()["error"] == "not_a_number"
    assert "chín mươi hai" in refused.json()["message"]
    slot.refresh_from_db()
    assert slot.response == {"text": "92,4"} and slot.version == 1  # the earlier answer is kept
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    attempt.refresh_from_db()
    assert attempt.percent == 100
    review = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "92 ± 0.5" in review and "Đúng: 92 tập thể." in review


def test_a_wrong_number_falls_to_the_wildcard_and_shows_its_feedback(client, trainee, numerical_quiz):
    Question.objects.get(qtype="numerical").options.filter(text="*").update(feedback="<p>Xem báo cáo 2009.</p>")
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[numerical_quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    slot = attempt.slots.get()
    client.post(reverse("quizzes:answer", args=[attempt.pk]), {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": "95"})
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    attempt.refresh_from_db()
    assert attempt.percent == 0
    review = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "Xem báo cáo 2009." in review


def test_without_javascript_a_mistyped_number_is_told_back_and_costs_no_other_answer(client, trainee):
    category = QuestionCategoryFactory(name="Không JavaScript")
    QuestionFactory(category=category, qtype="numerical", options=[("2024", True)])
    QuestionFactory(category=category, options=[("Đúng", True), ("Sai", False)])
    quiz = QuizFactory(rules=[(category, 2)], shuffle_questions=False, shuffle_options=False)
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    number, choice = attempt.slots.order_by("position")
    form = {
        "slot": [number.pk, choice.pk],
        f"v{number.pk}": 0,
        f"q{number.pk}": "hai nghìn",
        f"v{choice.pk}": 0,
        f"q{choice.pk}": "0",
        "action": "submit",
    }
    response = client.post(reverse("quizzes:attempt", args=[attempt.pk]), form, follow=True)
    assert "“hai nghìn” is not a number" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.is_finished  # not submitted until the number is fixed
    number.refresh_from_db()
    choice.refresh_from_db()
    assert number.response is None and choice.response == {"choice": choice.question.options.get(text="Đúng").pk}


# --- matching distractors on the page ------------------------------------------------------


def test_a_matching_distractor_is_a_choice_and_never_a_pair(client, trainee):
    category = QuestionCategoryFactory(name="Ghép")
    QuestionFactory(
        category=category,
        qtype="matching",
        options=[("15/2003/QH11", True, "Luật"), ("39-CT/TW", True, "Chỉ thị"), ("", False, "Thông tư")],
    )
    quiz = QuizFactory(rules=[(category, 1)])
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    slot = QuestionSlot.objects.get(attempt=attempt)
    assert sorted(slot.match_choices) == ["Chỉ thị", "Luật", "Thông tư"]
    page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert page.count('class="quiz-pair"') == 2
    assert page.count("<option value=") == 2 * 4  # "—" and three choices, for each of the two pairs


# --- one import per confirmation -----------------------------------------------------------

GIFT = "::A:: Câu một {=Có ~Không}\n\n::B:: Câu hai {=Có ~Không}\n"


@pytest.mark.django_db
def test_a_second_confirmation_imports_nothing_and_tells_the_first_result(make_staff):
    # The import service is for content staff (quizzes.policies); the token is the editor's own.
    editor, other = make_staff(Role.EDITOR), make_staff(Role.EDITOR)
    category = QuestionCategoryFactory(name="Một lần")
    token = services.bank_import_prepare(actor=editor, category=category, fmt="gift", content=GIFT.encode())
    assert services.bank_import_confirm(actor=other, token=token).status == "missing"  # someone else's token
    first = services.bank_import_confirm(actor=editor, token=token)
    assert (first.status, first.result) == ("done", {"count": 2, "category": "Một lần"})
    again = services.bank_import_confirm(actor=editor, token=token)
    assert (again.status, again.result) == ("repeated", {"count": 2, "category": "Một lần"})
    assert Question.objects.filter(category=category).count() == 2


@pytest.mark.django_db
def test_a_confirmation_that_finds_problems_imports_nothing_and_keeps_its_token(make_staff):
    editor = make_staff(Role.EDITOR)
    category = QuestionCategoryFactory(name="Văn bản")
    content = "// tdkt: regulation=13/2015/TT-BTTTT\n::A:: Câu một {=Có ~Không}\n".encode()
    regulation = RegulationPageFactory(document_number="13/2015/TT-BTTTT")
    token = services.bank_import_prepare(actor=editor, category=category, fmt="gift", content=content)
    regulation.delete()  # between the preview and the confirmation
    with pytest.raises(ImportProblems):
        services.bank_import_confirm(actor=editor, token=token)
    assert not Question.objects.filter(category=category).exists()
    RegulationPageFactory(document_number="13/2015/TT-BTTTT")
    assert services.bank_import_confirm(actor=editor, token=token).status == "done"


def test_the_review_shows_a_partial_share_beside_its_option(client, trainee):
    category = QuestionCategoryFactory(name="Một phần")
    services.bank_import(category=category, fmt="gift", content="Chọn {~sai ~%50%một nửa =đủ}".encode())
    quiz = QuizFactory(rules=[(category, 1)], review_when="after_submit")
    client.force_login(trainee)
    client.post(reverse("quizzes:start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    slot = attempt.slots.get()
    half = slot.option_order.index(slot.question.options.get(text="một nửa").pk)
    client.post(reverse("quizzes:answer", args=[attempt.pk]), {"slot": slot.pk, f"v{slot.pk}": 0, f"q{slot.pk}": half})
    client.post(reverse("quizzes:attempt", args=[attempt.pk]), {"action": "submit"})
    attempt.refresh_from_db()
    assert attempt.percent == 50
    review = client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert '<span class="quiz-share">(50%)</span>' in review and review.count('class="quiz-share"') == 1
