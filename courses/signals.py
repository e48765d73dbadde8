"""Receivers, connected in ``CoursesConfig.ready``."""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save, pre_delete
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


# --- the learning-state version (courses.caching) -------------------------------------------------
#
# Every save of a row a trainee's course pages show moves that trainee's version on, after the
# write and in its transaction. Writes without a signal (``.update()``, bulk) call
# ``caching.bump`` themselves (courses.services). Enrolments, progress and notices are deleted
# only with their course or module page (which moves the content generation, part of every key),
# with their flag (below) or with their person, so no delete signal is needed for them: one per
# row would make deleting a course with thousands of trainees thousands of statements slower.


def learner_row_saved(sender, instance, **kwargs) -> None:
    from courses import caching

    caching.bump([instance.user_id])


def progress_saved(sender, instance, **kwargs) -> None:
    from courses import caching

    caching.bump_enrolments([instance.enrolment_id])


def certificate_changed(sender, instance, **kwargs) -> None:
    from courses import caching

    caching.bump([instance.holder_id])


def review_flag_deleting(sender, instance, **kwargs) -> None:
    """Deleting a flag deletes its notices with it: their trainees' dashboards change."""
    from courses import caching
    from courses.models import RefresherNotice

    table = RefresherNotice._meta.db_table
    caching.bump_select(f"SELECT user_id FROM {table} WHERE flag_id = %s", [instance.pk])  # noqa: S608


def quiz_deleted(sender, instance, **kwargs) -> None:
    """A deleted quiz leaves the modules and courses that held it without one (SET_NULL, no page signal)."""
    from cms import caching

    caching.bump()


def connect() -> None:
    from certificates.models import Certificate
    from courses import tallies
    from courses.models import Enrolment, ModuleProgress, ModuleReviewFlag, RefresherNotice
    from quizzes.models import Attempt, Quiz
    from quizzes.signals import quiz_passed as quiz_passed_signal

    tallies.connect()

    page_published.connect(regulation_published, sender=RegulationPage, dispatch_uid="courses.regulation_published")
    quiz_passed_signal.connect(quiz_passed, sender=Quiz, dispatch_uid="courses.quiz_passed")
    for model in (Enrolment, RefresherNotice, Attempt):
        uid = f"courses.learner_version.{model._meta.label_lower}"
        post_save.connect(learner_row_saved, sender=model, dispatch_uid=uid)
    post_save.connect(progress_saved, sender=ModuleProgress, dispatch_uid="courses.learner_version.progress")
    post_save.connect(certificate_changed, sender=Certificate, dispatch_uid="courses.learner_version.certificate")
    post_delete.connect(certificate_changed, sender=Certificate, dispatch_uid="courses.learner_version.certificate.d")
    pre_delete.connect(review_flag_deleting, sender=ModuleReviewFlag, dispatch_uid="courses.learner_version.flag")
    post_delete.connect(quiz_deleted, sender=Quiz, dispatch_uid="courses.quiz_deleted")
