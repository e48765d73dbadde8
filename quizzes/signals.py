"""Signals for the apps above quizzes (courses, events).

Both are sent after the grading transaction commits, with ``sender=Quiz``
and ``attempt=`` the finished :class:`~quizzes.models.Attempt`.
"""

from django.dispatch import Signal

attempt_finished = Signal()
quiz_passed = Signal()
