"""Receivers, connected in ``CoursesConfig.ready``."""

from __future__ import annotations

import logging

from django.db import transaction
from wagtail.signals import page_published

from cms.models import RegulationPage

logger = logging.getLogger(__name__)


def regulation_published(sender, instance, **kwargs) -> None:
    """A regulation that supersedes another: run the refresher once the publish commits."""
    if not instance.supersedes_id:
        return
    from courses import tasks

    regulation_id = instance.pk
    # robust: a mail failure must not turn the moderator's publish into an error.
    transaction.on_commit(lambda: tasks.refresher_run.delay(regulation_id), robust=True)


def quiz_passed(sender, attempt, **kwargs) -> None:
    """Sent after grading commits: the module or course waiting on this quiz may now be complete."""
    from courses import services

    services.quiz_passed_recheck(user=attempt.user, quiz_id=attempt.quiz_id)


def connect() -> None:
    from quizzes.models import Quiz
    from quizzes.signals import quiz_passed as quiz_passed_signal

    page_published.connect(regulation_published, sender=RegulationPage, dispatch_uid="courses.regulation_published")
    quiz_passed_signal.connect(quiz_passed, sender=Quiz, dispatch_uid="courses.quiz_passed")
