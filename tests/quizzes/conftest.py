import pytest

from tests.factories import QuestionCategoryFactory, QuestionFactory, QuizFactory


@pytest.fixture
def category(db):
    return QuestionCategoryFactory(name="Luật Thi đua, khen thưởng")


@pytest.fixture
def quiz(category):
    for _i in range(6):
        QuestionFactory(category=category)
    return QuizFactory(rules=[(category, 5)], time_limit_minutes=10, grace_seconds=30, pass_percent=60)
