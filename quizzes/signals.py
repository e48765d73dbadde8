"""Signals for the apps above quizzes (courses, events), and what keeps the question page's cache true.

``quiz_passed`` is sent after the grading transaction commits, with
``sender=Quiz`` and ``attempt=`` the finished :class:`~quizzes.models.Attempt`.

The question page caches each question's content under its ``updated_at``
(``quizzes.selectors.question_contents``). Saving the question moves it
(``auto_now``); the receivers below move it too when an option or a case
study is saved or deleted on its own, in the same transaction, so an edit
shows on the next page load.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver
from django.utils import timezone

from quizzes.models import CaseStudy, Option, Question

quiz_passed = Signal()


@receiver(post_save, sender=Option, dispatch_uid="quizzes.option_saved")
@receiver(post_delete, sender=Option, dispatch_uid="quizzes.option_deleted")
def _option_changed(sender, instance: Option, raw: bool = False, **kwargs) -> None:
    if not raw:
        Question.objects.filter(pk=instance.question_id).update(updated_at=timezone.now())


@receiver(post_save, sender=CaseStudy, dispatch_uid="quizzes.case_study_saved")
@receiver(pre_delete, sender=CaseStudy, dispatch_uid="quizzes.case_study_deleted")
def _case_study_changed(sender, instance: CaseStudy, raw: bool = False, **kwargs) -> None:
    # Before a deletion: afterwards its questions no longer point at it (SET_NULL).
    if not raw:
        Question.objects.filter(case_study=instance).update(updated_at=timezone.now())
