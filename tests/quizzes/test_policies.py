"""Quizzes: the bank's staff pages follow the policy; starting and submitting an attempt are audited."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from quizzes import services
from quizzes.policies import can_edit_question_banks
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.TRAINEE, False),
        (Role.COORDINATOR, False),
        (Role.ORGANISER, False),
        (Role.EDITOR, True),
        (Role.MODERATOR, True),
        (Role.ADMIN, True),
    ],
)
def test_only_content_staff_edit_question_banks(make_staff, unit, role, allowed):
    user = make_staff(role, unit=unit if role == Role.COORDINATOR else None)
    assert can_edit_question_banks(user) is allowed


def test_an_attempt_is_audited_when_started_and_when_submitted(category, quiz):
    for _ in range(3):
        QuestionFactory(category=category)
    trainee = UserFactory()
    attempt = services.attempt_start(quiz=quiz, user=trainee)
    services.attempt_submit(attempt_id=attempt.pk, user=trainee)
    entries = list(
        ModelLogEntry.objects.filter(content_type__model="attempt", object_id=str(attempt.pk)).order_by(
            "timestamp", "pk"
        )
    )
    assert [(e.action, e.user_id) for e in entries] == [
        ("quizzes.attempt.start", trainee.pk),
        ("quizzes.attempt.submit", trainee.pk),
    ]
    assert entries[1].data["before"] == {"state": "in_progress"}
    assert entries[1].data["after"]["state"] == "finished" and "percent" in entries[1].data["after"]


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.ORGANISER])
def test_only_content_staff_import_questions_through_the_service(make_staff, category, role):
    from core.errors import ServiceError

    actor = make_staff(role)
    with pytest.raises(ServiceError) as error:
        services.bank_import_prepare(actor=actor, category=category, fmt="gift", content=b"::Q:: 1+1? {=2 ~3}")
    assert error.value.code == "forbidden"
    with pytest.raises(ServiceError) as error:
        services.bank_import_confirm(actor=actor, token="anything")
    assert error.value.code == "forbidden"
