"""Who may do what with people and units, and which staff doors a person sees.

Each app decides its own objects in its ``policies.py``; this one holds what
belongs to accounts: people, units, and the content admin's door.
"""

from __future__ import annotations

from accounts.roles import Role
from accounts.scopes import AnyUser, has_role


def can_open_content_admin(user: AnyUser) -> bool:
    """The Wagtail admin: editors, moderators, organisers (their event pages) and administrators."""
    return has_role(user, Role.EDITOR, Role.MODERATOR, Role.ORGANISER, Role.ADMIN)


def can_manage_people(user: AnyUser) -> bool:
    """The people and units admin (every unit): organisers and administrators."""
    return has_role(user, Role.ADMIN, Role.ORGANISER)
