"""Celery tasks: thin and idempotent.

``QUIZZES_BEAT_SCHEDULE`` is the beat entry for settings' ``CELERY_BEAT_SCHEDULE``;
the server also closes an overdue attempt whenever it is accessed, so a
missed beat only delays grading of attempts nobody looks at.
"""

from celery import shared_task

from quizzes import services

QUIZZES_BEAT_SCHEDULE = {
    "quizzes-close-overdue-attempts": {"task": "quizzes.tasks.close_overdue_attempts", "schedule": 30.0},
}


@shared_task(ignore_result=True)
def close_overdue_attempts() -> int:
    """Grade attempts whose deadline plus grace has passed; a rerun finds none left."""
    return services.attempts_close_overdue()
