"""Units: only organisers and administrators change them, and every change is audited."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from accounts.services import orgunit_create, orgunit_update
from core.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_only_organisers_and_administrators_create_or_change_units(make_staff, unit):
    for role in (Role.TRAINEE, Role.EDITOR, Role.MODERATOR):
        actor = make_staff(role)
        with pytest.raises(ServiceError) as error:
            orgunit_create(code="HUE", name="Tỉnh Thừa Thiên Huế", actor=actor)
        assert error.value.code == "forbidden"
        with pytest.raises(ServiceError) as error:
            orgunit_update(unit=unit, name="Đổi tên", kind=unit.kind, cluster="", actor=actor)
        assert error.value.code == "forbidden"
    unit.refresh_from_db()
    assert unit.name == "Bộ Thông tin và Truyền thông"


def test_a_unit_change_is_audited_with_before_and_after(make_staff, unit):
    organiser = make_staff(Role.ORGANISER)
    child = orgunit_create(code="BTTTT-VP", name="Văn phòng Bộ", parent=unit, actor=organiser)
    orgunit_update(
        unit=child, name="Văn phòng Bộ Thông tin và Truyền thông", kind=child.kind, cluster="", actor=organiser
    )
    entries = list(ModelLogEntry.objects.filter(content_type__model="orgunit", object_id=str(child.pk)).order_by("pk"))
    assert [(e.action, e.user_id) for e in entries] == [
        ("accounts.orgunit.create", organiser.pk),
        ("accounts.orgunit.update", organiser.pk),
    ]
    assert entries[0].data["after"]["parent"] == unit.pk
    assert entries[1].data["before"] == {"name": "Văn phòng Bộ"}
    assert entries[1].data["after"] == {"name": "Văn phòng Bộ Thông tin và Truyền thông"}
