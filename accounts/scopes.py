"""Who may see and act on which units and people: the one place that decides.

Later apps call these instead of testing groups or units themselves, so that
a coordinator's reach is defined once: their unit and everything below it.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import OrgUnit, User
from accounts.roles import ROLE_GROUPS, STAFF_ROLES, Role

AnyUser = User | AnonymousUser


def roles_of(user: AnyUser) -> frozenset[Role]:
    """Every role the user holds; cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_lms_roles", None)
    if cached is not None:
        return cached
    group_names = set(user.groups.values_list("name", flat=True))
    roles = {Role.TRAINEE} | {role for role, group in ROLE_GROUPS.items() if group in group_names}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    if Role.COORDINATOR in roles and user.coordinated_unit_id is None:
        # A coordinator without a unit coordinates nothing.
        roles.discard(Role.COORDINATOR)
    user._lms_roles = frozenset(roles)
    return user._lms_roles


def has_role(user: AnyUser, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_member(user: AnyUser) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and everything under it, in one query on the materialised path."""
    return OrgUnit.objects.filter(path__startswith=unit.path, depth__gte=unit.depth)


def units_in_scope(user: AnyUser) -> QuerySet[OrgUnit]:
    """Units whose people and reports the user may see and manage."""
    if has_role(user, Role.ADMIN, Role.ORGANISER):
        return OrgUnit.objects.all()
    if has_role(user, Role.COORDINATOR):
        return subtree(user.coordinated_unit)
    return OrgUnit.objects.none()


def users_in_scope(user: AnyUser) -> QuerySet[User]:
    """People the user may see and act for (register, assign, report on)."""
    if has_role(user, Role.ADMIN, Role.ORGANISER):
        return User.objects.all()
    if has_role(user, Role.COORDINATOR):
        unit = user.coordinated_unit
        return User.objects.filter(org_unit__path__startswith=unit.path)
    return User.objects.none()


def can_manage_unit(user: AnyUser, unit: OrgUnit) -> bool:
    if has_role(user, Role.ADMIN, Role.ORGANISER):
        return True
    if has_role(user, Role.COORDINATOR):
        return unit.path.startswith(user.coordinated_unit.path)
    return False


def can_manage_user(user: AnyUser, other: User) -> bool:
    if user.is_authenticated and user.pk == other.pk:
        return True
    if has_role(user, Role.ADMIN, Role.ORGANISER):
        return True
    if has_role(user, Role.COORDINATOR) and other.org_unit_id is not None:
        return can_manage_unit(user, other.org_unit)
    return False


def scope_top(user: AnyUser) -> OrgUnit | None:
    """The unit whose subtree is the user's reach (a coordinator's unit), or None when it is every unit."""
    if has_role(user, Role.ADMIN, Role.ORGANISER):
        return None
    if has_role(user, Role.COORDINATOR):
        return user.coordinated_unit
    raise PermissionDenied


def in_subtree(unit: OrgUnit | None, field: str | None = "org_unit") -> Q:
    """Rows whose unit (``field``; None for units themselves) is ``unit`` or under it; any unit when None.

    A prefix of the materialised path (an index range scan), never a list of
    the subtree's ids: a national tree of 600 units costs what six do.
    """
    prefix = f"{field}__" if field else ""
    if unit is None:
        return Q(**{f"{field}__isnull": False}) if field else Q()
    return Q(**{f"{prefix}path__startswith": unit.path})


def nearby_units(base: OrgUnit | None, unit: OrgUnit | None = None) -> Q:
    """``base`` and the units right under it (the top level when None); with ``unit``, also its ancestors
    and the units right under it: what a unit picker offers on a tree too large to list whole."""
    near = Q(depth__lte=base.depth + 1, path__startswith=base.path) if base is not None else Q(depth=1)
    if unit is not None:
        ancestors = [unit.path[:end] for end in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)]
        near |= Q(path__in=ancestors) | Q(path__startswith=unit.path, depth=unit.depth + 1)
    return near
