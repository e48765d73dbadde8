import pytest

from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted in English (the source strings), whatever the catalogue holds.

    The site answers in Vietnamese by default; the language cookie (the
    site's language switch) chooses English for the test client, and the
    services' messages are read with English active.
    """
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def category(db):
    return QuestionCategoryFactory(name="Luật Thi đua, khen thưởng")


@pytest.fixture
def quiz(category):
    for _i in range(6):
        QuestionFactory(category=category)
    return QuizFactory(rules=[(category, 5)], time_limit_minutes=10, grace_seconds=30, pass_percent=60)


@pytest.fixture
def editor(make_staff, enable_totp):
    from accounts.roles import Role

    user = make_staff(Role.EDITOR)
    enable_totp(user)
    return user


SECRET = "BÍ-MẬT"


@pytest.fixture
def mixed_quiz(db):
    """One question of every type, each right answer and explanation carrying a marker.

    Right options, explanations, option feedback and accepted short answers
    contain ``SECRET``-derived markers that must never reach the browser
    before the review allows; wrong options do not.
    """
    from quizzes.models import CaseStudy, Option

    category = QuestionCategoryFactory(name="Mọi loại câu hỏi")
    case = CaseStudy.objects.create(title="Tình huống đơn vị A", scenario="<p>Đơn vị A đề nghị khen thưởng…</p>")
    QuestionFactory(category=category, options=[("Sai một", False), ("Sai hai", False), ("Đúng một", True)])
    QuestionFactory(category=category, qtype="multiple", options=[("Đúng A", True), ("Sai B", False), ("Đúng C", True)])
    QuestionFactory(category=category, qtype="truefalse", options=[("Đúng", True), ("Sai", False)], case_study=case)
    QuestionFactory(category=category, qtype="short", options=[(f"đáp án {SECRET}", True)], case_study=case)
    QuestionFactory(
        category=category,
        qtype="matching",
        options=[("15/2003/QH11", True, "Luật năm 2003"), ("06/2022/QH15", True, "Luật năm 2022")],
    )
    QuestionFactory(category=category, qtype="numerical", options=[("92.5", True), ("*", False)])
    Option.objects.filter(question__category=category).update(feedback=f"<p>nhận xét {SECRET}</p>")
    from quizzes.models import Question

    for question in Question.objects.filter(category=category):
        question.feedback = f"<p>Giải thích {SECRET} {question.pk}</p>"
        question.save()
    return QuizFactory(rules=[(category, 6)], time_limit_minutes=10, review_when="after_submit")
