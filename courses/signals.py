"""Receivers, connected in ``CoursesConfig.ready``."""

from __future__ import annotations

import logging

from wagtail.signals import page_published

from cms.models import RegulationPage
from core.outbox import outbox_enqueue

logger = logging.getLogger(__name__)


def regulation_published(sender, instance, **kwargs) -> None:
    """A regulation that supersedes another: run the refresher once the publish commits."""
    if not instance.supersedes_id:
        return
    regulation_id = instance.pk
    # Recorded with the publish; a broker outage cannot turn it into an error or lose it.
    outbox_enqueue("courses.tasks.refresher_run", key=f"refresher:{regulation_id}", regulation_id=regulation_id)


def quiz_passed(sender, attempt, **kwargs) -> None:
    """Sent after grading commits: the module or course waiting on this quiz may now be complete."""
    from courses import services

    services.quiz_passed_recheck(user=attempt.user, quiz_id=attempt.quiz_id)


def connect() -> None:
    from courses import tallies
    from quizzes.models import Quiz
    from quizzes.signals import quiz_passed as quiz_passed_signal

    tallies.connect()

    page_published.connect(regulation_published, sender=RegulationPage, dispatch_uid="courses.regulation_published")
    quiz_passed_signal.connect(quiz_passed, sender=Quiz, dispatch_uid="courses.quiz_passed")
