import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from accounts.scopes import (
    can_manage_unit,
    can_manage_user,
    has_role,
    is_staff_member,
    roles_of,
    units_in_scope,
    users_in_scope,
)
from accounts.services import user_assign_role, user_revoke_role
from core.errors import ServiceError
from tests.factories import OrgUnitFactory, UserFactory


@pytest.fixture
def tree(db):
    """Bộ TT&TT with two units, one with a sub-unit; and a province apart."""
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông")
    office = OrgUnitFactory(code="VP", name="Văn phòng Bộ", parent=ministry)
    team = OrgUnitFactory(code="VP-TH", name="Phòng Tổng hợp", parent=office)
    personnel = OrgUnitFactory(code="TCCB", name="Vụ Tổ chức cán bộ", parent=ministry)
    province = OrgUnitFactory(code="DANANG", name="Thành phố Đà Nẵng")
    return {"ministry": ministry, "office": office, "team": team, "personnel": personnel, "province": province}


def test_coordinator_sees_their_unit_and_its_subtree_only(tree):
    coordinator = UserFactory(org_unit=tree["office"])
    user_assign_role(user=coordinator, role=Role.COORDINATOR, unit=tree["office"])
    in_team = UserFactory(org_unit=tree["team"])
    in_office = UserFactory(org_unit=tree["office"])
    elsewhere = UserFactory(org_unit=tree["personnel"])
    far = UserFactory(org_unit=tree["province"])

    assert set(units_in_scope(coordinator)) == {tree["office"], tree["team"]}
    assert set(users_in_scope(coordinator)) == {coordinator, in_team, in_office}
    assert can_manage_unit(coordinator, tree["team"])
    assert not can_manage_unit(coordinator, tree["ministry"])
    assert not can_manage_unit(coordinator, tree["personnel"])
    assert can_manage_user(coordinator, in_team)
    assert not can_manage_user(coordinator, elsewhere)
    assert not can_manage_user(coordinator, far)


def test_subtree_does_not_leak_into_a_sibling_with_a_longer_path(tree):
    # Sibling units' materialised paths share prefixes only up to their depth.
    coordinator = UserFactory()
    user_assign_role(user=coordinator, role=Role.COORDINATOR, unit=tree["personnel"])
    assert set(units_in_scope(coordinator)) == {tree["personnel"]}


def test_trainee_has_no_scope_but_manages_themself(tree):
    trainee = UserFactory(org_unit=tree["team"])
    other = UserFactory(org_unit=tree["team"])
    assert roles_of(trainee) == {Role.TRAINEE}
    assert not is_staff_member(trainee)
    assert not units_in_scope(trainee).exists()
    assert not users_in_scope(trainee).exists()
    assert can_manage_user(trainee, trainee)
    assert not can_manage_user(trainee, other)


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ADMIN])
def test_organisers_and_admins_see_everything(tree, role):
    user = UserFactory()
    user_assign_role(user=user, role=role)
    assert units_in_scope(user).count() == 5
    assert can_manage_unit(user, tree["province"])
    assert is_staff_member(user)


def test_coordinator_role_needs_a_unit(tree):
    user = UserFactory()
    with pytest.raises(ServiceError) as error:
        user_assign_role(user=user, role=Role.COORDINATOR)
    assert error.value.code == "unit_required"
    assert not has_role(user, Role.COORDINATOR)


def test_revoking_a_role_removes_its_scope(tree):
    user = UserFactory()
    user_assign_role(user=user, role=Role.COORDINATOR, unit=tree["office"])
    assert has_role(user, Role.COORDINATOR)
    user_revoke_role(user=user, role=Role.COORDINATOR)
    user.refresh_from_db()
    assert not has_role(user, Role.COORDINATOR)
    assert user.coordinated_unit is None
    assert not units_in_scope(user).exists()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR])
def test_content_roles_use_wagtails_groups(tree, role):
    user = UserFactory()
    user_assign_role(user=user, role=role)
    # Named in Vietnamese (accounts migration 0003): the admin's group pickers and workflow rows show these.
    assert user.groups.filter(name={"editor": "Biên tập viên", "moderator": "Kiểm duyệt viên"}[role]).exists()
    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()
    assert is_staff_member(user)
    assert not units_in_scope(user).exists()


def test_inactive_users_hold_no_role(tree):
    user = UserFactory(is_active=False)
    user_assign_role(user=user, role=Role.ORGANISER)
    assert roles_of(user) == frozenset()


def test_moving_a_unit_under_its_own_subtree_is_refused(tree):
    from accounts.services import orgunit_update

    office = tree["office"]
    with pytest.raises(ServiceError) as error:
        orgunit_update(unit=office, name=office.name, kind=office.kind, cluster="", parent=tree["team"], move=True)
    assert error.value.code == "move_into_itself"


def test_renaming_a_unit_keeps_siblings_in_name_order(tree):
    from accounts.services import orgunit_update

    personnel = tree["personnel"]
    orgunit_update(unit=personnel, name="Ban Tổ chức", kind=personnel.kind, cluster="")
    names = [unit.name for unit in tree["ministry"].get_children()]
    assert names == sorted(names)
