from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import identity
from accounts.models import OrgUnit, User
from accounts.policies import can_manage_people
from accounts.roles import ROLE_GROUPS, Role
from core.audit import audit, snapshot
from core.errors import ServiceError
from core.text import collapse_spaces


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    password: str | None = None,
    position: str = "",
    phone: str = "",
    org_unit: OrgUnit | None = None,
) -> User:
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ServiceError("email_taken", _("%(email)s already has an account.") % {"email": email})
    user = User(
        email=email,
        full_name=collapse_spaces(full_name),
        position=collapse_spaces(position),
        phone=phone.strip(),
        org_unit=org_unit,
    )
    user.set_password(password) if password else user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, position: str, phone: str, org_unit: OrgUnit | None) -> User:
    user.full_name = collapse_spaces(full_name)
    user.position = collapse_spaces(position)
    user.phone = phone.strip()
    user.org_unit = org_unit
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_assign_role(*, user: User, role: Role, unit: OrgUnit | None = None) -> None:
    """Give ``user`` a role; a coordinator's role needs the unit it covers."""
    if role == Role.TRAINEE:
        return
    if role == Role.ADMIN:
        User.objects.filter(pk=user.pk).update(is_superuser=True)
        user.is_superuser = True
    else:
        if role == Role.COORDINATOR:
            if unit is None:
                raise ServiceError("unit_required", _("A unit coordinator must be given a unit."))
            User.objects.filter(pk=user.pk).update(coordinated_unit=unit)
            user.coordinated_unit = unit
        group, _created = Group.objects.get_or_create(name=ROLE_GROUPS[role])
        user.groups.add(group)
    user.__dict__.pop("_lms_roles", None)
    identity.forget([user.pk])  # update() sends no signal


@transaction.atomic
def user_revoke_role(*, user: User, role: Role) -> None:
    if role == Role.TRAINEE:
        raise ServiceError("trainee_is_everyone", _("Every user is a trainee."))
    if role == Role.ADMIN:
        User.objects.filter(pk=user.pk).update(is_superuser=False)
        user.is_superuser = False
    else:
        if role == Role.COORDINATOR:
            User.objects.filter(pk=user.pk).update(coordinated_unit=None)
            user.coordinated_unit = None
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[role]))
    user.__dict__.pop("_lms_roles", None)
    identity.forget([user.pk])  # update() sends no signal


# What a unit's history shows of each change.
UNIT_AUDIT_FIELDS = ("code", "name", "kind", "cluster", "is_active")


def _require_people_manager(actor: User | None) -> None:
    """None is the platform itself (an import the admin confirmed, a command, the demo)."""
    if actor is not None and not can_manage_people(actor):
        raise ServiceError("forbidden", _("Only organisers and administrators change units."))


@transaction.atomic
def orgunit_create(
    *,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    kind: str = OrgUnit.Kind.UNIT,
    cluster: str = "",
    is_active: bool = True,
    actor: User | None = None,
) -> OrgUnit:
    _require_people_manager(actor)
    code = code.strip().upper()
    if OrgUnit.objects.filter(code=code).exists():
        raise ServiceError("code_taken", _("Unit code %(code)s already exists.") % {"code": code})
    unit = OrgUnit(
        code=code,
        name=collapse_spaces(name),
        kind=kind,
        cluster=collapse_spaces(cluster),
        is_active=is_active,
    )
    unit.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        unit = OrgUnit.add_root(instance=unit)
    else:
        # Fresh from the database: treebeard computes the new path from the
        # parent's current child count.
        unit = OrgUnit.objects.get(pk=parent.pk).add_child(instance=unit)
    audit(unit, "accounts.orgunit.create", actor=actor, after={**snapshot(unit, UNIT_AUDIT_FIELDS), "parent": parent})
    return unit


def _place_in_tree(unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Move ``unit`` under ``parent`` (None: top level) to its place by name.

    Siblings are ordered by name in their materialised paths, so a rename is
    a move too.
    """
    if parent is not None:
        # Fresh from the database: a move elsewhere may have shifted its path.
        unit.move(OrgUnit.objects.get(pk=parent.pk), pos="sorted-child")
    elif other_root := OrgUnit.get_root_nodes().exclude(pk=unit.pk).first():
        unit.move(other_root, pos="sorted-sibling")
    # else: the only top-level unit is already in place.


@transaction.atomic
def orgunit_update(
    *,
    unit: OrgUnit,
    name: str,
    kind: str,
    cluster: str,
    code: str | None = None,
    is_active: bool | None = None,
    parent: OrgUnit | None = None,
    move: bool = False,
    actor: User | None = None,
) -> OrgUnit:
    """Change a unit's fields; with ``move=True`` also put it under ``parent``."""
    _require_people_manager(actor)
    old_parent = unit.get_parent(update=True)
    before = {**snapshot(unit, UNIT_AUDIT_FIELDS), "parent": old_parent}
    old_name = unit.name
    if code is not None:
        code = code.strip().upper()
        if OrgUnit.objects.filter(code=code).exclude(pk=unit.pk).exists():
            raise ServiceError("code_taken", _("Unit code %(code)s already exists.") % {"code": code})
        unit.code = code
    if is_active is not None:
        unit.is_active = is_active
    unit.name, unit.kind, unit.cluster = collapse_spaces(name), kind, collapse_spaces(cluster)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    # Not the tree fields: a child added meanwhile has changed numchild.
    unit.save(update_fields=["code", "name", "kind", "cluster", "is_active"])
    target = parent if move else old_parent
    if (move and target != old_parent) or unit.name != old_name:
        if target is not None and target.path.startswith(unit.path):
            raise ServiceError("move_into_itself", _("A unit cannot be placed under itself or one of its own units."))
        _place_in_tree(unit, target)
        unit.refresh_from_db()
    after = {**snapshot(unit, UNIT_AUDIT_FIELDS), "parent": target}
    audit(unit, "accounts.orgunit.update", actor=actor, before=before, after=after)
    return unit
