"""The platform's roles and the Django groups that carry them.

Every role except trainee (which everyone is) and administrator (Wagtail's
superuser flag) is a group, so Django's and Wagtail's permission machinery
applies. Wagtail creates "Editors" and "Moderators" itself and its default
moderation workflow hands review to "Moderators"; we reuse both, under the
Vietnamese names that accounts migration 0003 gives them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TRAINEE = "trainee", _("Trainee")
    COORDINATOR = "coordinator", _("Unit coordinator")
    ORGANISER = "organiser", _("Organiser")
    EDITOR = "editor", _("Content editor")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


ROLE_GROUPS: dict[Role, str] = {
    Role.COORDINATOR: "Unit coordinators",
    Role.ORGANISER: "Organisers",
    Role.EDITOR: "Biên tập viên",
    Role.MODERATOR: "Kiểm duyệt viên",
}

# Roles that reach staff pages or the Wagtail admin and so must use MFA.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ORGANISER, Role.EDITOR, Role.MODERATOR, Role.ADMIN})
