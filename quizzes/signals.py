"""Signals for the apps above quizzes (courses, events).

``quiz_passed`` is sent after the grading transaction commits, with
``sender=Quiz`` and ``attempt=`` the finished :class:`~quizzes.models.Attempt`.
"""

from django.dispatch import Signal

quiz_passed = Signal()
