"""Who may do what with quizzes: the question bank's staff pages (an attempt is its taker's alone, by query)."""

from __future__ import annotations

from accounts.roles import Role
from accounts.scopes import AnyUser, has_role


def can_edit_question_banks(user: AnyUser) -> bool:
    """Import, export and item statistics: content editors, moderators and administrators."""
    return has_role(user, Role.EDITOR, Role.MODERATOR, Role.ADMIN)
