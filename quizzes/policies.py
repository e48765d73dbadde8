"""Who may do what with quizzes: the question bank's staff pages, and who may take a quiz.

A quiz is taken under the rules of whatever holds it (a course's module or
final test, a conference's post-test); quizzes know none of them. Each app
above answers for its own quizzes through a Wagtail hook, registered in its
``wagtail_hooks.py``:

- ``QUIZ_ACCESS_HOOK``: ``fn(user, quiz)`` returns ``None`` when the app does
  not hold the quiz, else a :class:`QuizAccess` saying whether ``user`` may
  take it now and, if not, why and where to go.

An attempt in progress is its taker's alone (by query, in the views).
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail import hooks

from accounts.roles import Role
from accounts.scopes import AnyUser, has_role

QUIZ_ACCESS_HOOK = "quizzes_access"


@dataclass(frozen=True)
class QuizAccess:
    allowed: bool
    reason: str = ""
    # Where the quiz is offered (the course, module or ticket): the way back when refused.
    url: str = ""


OPEN = QuizAccess(allowed=True)


def can_edit_question_banks(user: AnyUser) -> bool:
    """Import, export and item statistics: content editors, moderators and administrators."""
    return has_role(user, Role.EDITOR, Role.MODERATOR, Role.ADMIN)


def quiz_access(user: AnyUser, quiz) -> QuizAccess:
    """Whether ``user`` may open and start ``quiz`` now.

    Signed-in people only. Bank editors may always try a quiz (to check it).
    A quiz held by a course or an event opens when one of its holders allows
    it; refused by all, the first refusal says why. A quiz nobody holds is a
    free practice quiz, open to every signed-in person.
    """
    if not user.is_authenticated:
        return QuizAccess(allowed=False)
    if can_edit_question_banks(user):
        return OPEN
    answers = [answer for fn in hooks.get_hooks(QUIZ_ACCESS_HOOK) if (answer := fn(user, quiz)) is not None]
    if not answers:
        return OPEN
    return next((answer for answer in answers if answer.allowed), answers[0])
