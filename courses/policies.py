"""Who may do what with courses: reports, assigning, approving requests."""

from __future__ import annotations

from accounts.roles import Role
from accounts.scopes import AnyUser, can_manage_user, has_role
from courses.models import CoursePage, Enrolment


def can_manage_courses(user: AnyUser) -> bool:
    """Course reports, assigning and approving: coordinators (for their units), organisers, administrators."""
    return has_role(user, Role.COORDINATOR, Role.ORGANISER, Role.ADMIN)


def can_report_on_course(user: AnyUser, course: CoursePage) -> bool:
    # Which people a report shows is narrowed by accounts.scopes, not here.
    return can_manage_courses(user)


def can_assign_course(user: AnyUser, course: CoursePage) -> bool:
    return can_manage_courses(user) and course.live


def can_approve_enrolment(user: AnyUser, enrolment: Enrolment) -> bool:
    return can_manage_courses(user) and can_manage_user(user, enrolment.user)


def can_leave_enrolment(user: AnyUser, enrolment: Enrolment) -> bool:
    return user.is_authenticated and enrolment.user_id == user.pk
