"""The demo banks and quizzes: what the courses link to, and seeding twice changes nothing."""

import io
from collections import Counter

import pytest
from django.forms.models import model_to_dict

from demo import quizzes as demo
from quizzes import services
from quizzes.models import CaseStudy, Category, Option, Question, Quiz, QuizRule

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        model.__name__: [model_to_dict(row) | {"pk": row.pk} for row in model.objects.order_by("pk")]
        for model in (Category, CaseStudy, Question, Option, Quiz, QuizRule)
    }


@pytest.fixture
def seeded():
    from demo import cms as cms_demo

    cms_demo.seed(io.StringIO())
    out = io.StringIO()
    demo.seed(out)
    return out.getvalue()


def test_seeding_twice_gives_the_same_data(seeded):
    before = snapshot()
    out = io.StringIO()
    demo.seed(out)
    assert snapshot() == before
    assert "0 tạo mới, 0 cập nhật" in out.getvalue()


def test_a_bank_per_conference_topic_with_every_question_type(seeded):
    categories = list(Category.objects.order_by("name"))
    assert [c.name.split(":")[0] for c in categories] == [f"Chuyên đề {n}" for n in range(1, 5)]
    for category in categories:
        questions = Question.objects.filter(category=category)
        assert questions.count() >= 10
        assert all(q.feedback and q.regulation_id for q in questions), category.name
        assert {q.qtype for q in questions} >= {"single", "multiple", "truefalse", "short", "matching"}
    assert Question.objects.filter(case_study__isnull=False).count() == 3
    assert Question.objects.filter(partial_credit=True).exists()
    assert Question.objects.filter(accent_insensitive=True).exists()
    cited = Counter(Question.objects.values_list("regulation__document_number", flat=True))
    assert set(cited) >= {"15/2003/QH11", "06/2022/QH15", "13/2015/TT-BTTTT", "39-CT/TW"}


def test_quizzes_the_courses_link_by_title(seeded):
    for title in demo.MODULE_QUIZ_TITLES:
        quiz = Quiz.objects.get(title=title)
        assert quiz.time_limit_minutes == 10
        assert [rule.count for rule in quiz.rules.all()] == [5]
    final = Quiz.objects.get(title="Bài kiểm tra cuối khóa")
    assert final.time_limit_minutes == 20
    assert final.rules.count() == 4 and sum(r.count for r in final.rules.all()) == 20
    onboarding = Quiz.objects.get(title="Kiểm tra nhập môn")
    assert onboarding.time_limit_minutes is None and onboarding.rules.count() == 4
    assert [f"Kiểm tra chuyên đề {n}" for n in range(1, 5)] == demo.MODULE_QUIZ_TITLES


def test_every_demo_quiz_can_be_taken_and_passed(seeded, trainee):
    from tests.quizzes.test_views import right_answer

    for quiz in Quiz.objects.all():
        attempt = services.attempt_start(quiz=quiz, user=trainee)
        answers = []
        for slot in attempt.slots.select_related("question").prefetch_related("question__options"):
            data = right_answer(slot)
            values = data.get(f"q{slot.pk}", [])
            matches = {k.rsplit("_m", 1)[1]: v for k, v in data.items() if "_m" in k}
            answers.append(
                services.AnswerInput(slot.pk, values if isinstance(values, list) else [values], matches, slot.version)
            )
        finished = services.attempt_submit(attempt_id=attempt.pk, user=trainee, answers=answers)
        assert finished.percent == 100 and finished.passed, quiz.title


def test_seeding_without_the_regulation_pages_leaves_citations_empty():
    out = io.StringIO()
    demo.seed(out)
    assert Question.objects.count() >= 40 and not Question.objects.filter(regulation__isnull=False).exists()
    assert "15/2003/QH11" in out.getvalue()
