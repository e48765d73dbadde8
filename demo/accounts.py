"""Demo organisation units and one account per role."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import OrgUnit, User
from accounts.roles import Role
from accounts.services import orgunit_create, user_assign_role
from core.text import nfc

DEMO_PASSWORD = "TdktDemo@2015"  # noqa: S105 - printed for the local demo only (DEBUG)

K = OrgUnit.Kind
# (code, name, kind, cluster, parent code): units named in the training reports.
UNITS = [
    ("BTTTT", "Bộ Thông tin và Truyền thông", K.MINISTRY, "", None),
    ("BTTTT-VP", "Văn phòng Bộ Thông tin và Truyền thông", K.UNIT, "Khối cơ quan tham mưu", "BTTTT"),
    ("BTTTT-TCCB", "Vụ Tổ chức cán bộ", K.UNIT, "Khối cơ quan tham mưu", "BTTTT"),
    ("BTTTT-VNNIC", "Trung tâm Internet Việt Nam", K.UNIT, "Khối đơn vị sự nghiệp", "BTTTT"),
    ("BTTTT-VNN", "Báo VietNamNet", K.UNIT, "Khối đơn vị sự nghiệp", "BTTTT"),
    ("VNPT", "Tập đoàn Bưu chính Viễn thông Việt Nam", K.ENTERPRISE, "Khối doanh nghiệp", "BTTTT"),
    ("CDTTTT", "Công đoàn Thông tin và Truyền thông Việt Nam", K.OTHER, "", "BTTTT"),
    ("DANANG", "Thành phố Đà Nẵng", K.PROVINCE, "", None),
    ("DANANG-STTTT", "Sở Thông tin và Truyền thông Đà Nẵng", K.DEPARTMENT, "Cụm các Sở TT&TT miền Trung", "DANANG"),
    ("HANOI", "Thành phố Hà Nội", K.PROVINCE, "", None),
    ("HANOI-BTDKT", "Ban Thi đua – Khen thưởng Thành phố Hà Nội", K.DEPARTMENT, "", "HANOI"),
    ("HANOI-STTTT", "Sở Thông tin và Truyền thông Hà Nội", K.DEPARTMENT, "Cụm các Sở TT&TT miền Bắc", "HANOI"),
    ("HUE", "Tỉnh Thừa Thiên Huế", K.PROVINCE, "", None),
    ("HUE-STTTT", "Sở Thông tin và Truyền thông Thừa Thiên Huế", K.DEPARTMENT, "Cụm các Sở TT&TT miền Trung", "HUE"),
    ("QUANGNAM", "Tỉnh Quảng Nam", K.PROVINCE, "", None),
    (
        "QUANGNAM-STTTT",
        "Sở Thông tin và Truyền thông Quảng Nam",
        K.DEPARTMENT,
        "Cụm các Sở TT&TT miền Trung",
        "QUANGNAM",
    ),
    ("LAMDONG", "Tỉnh Lâm Đồng", K.PROVINCE, "", None),
    ("LAMDONG-STTTT", "Sở Thông tin và Truyền thông Lâm Đồng", K.DEPARTMENT, "Cụm các Sở TT&TT Tây Nguyên", "LAMDONG"),
    ("BTNMT", "Bộ Tài nguyên và Môi trường", K.MINISTRY, "", None),
    ("BTNMT-VP", "Văn phòng Bộ Tài nguyên và Môi trường", K.UNIT, "Khối cơ quan tham mưu", "BTNMT"),
    ("BTNMT-TCCB", "Vụ Tổ chức cán bộ Bộ Tài nguyên và Môi trường", K.UNIT, "Khối cơ quan tham mưu", "BTNMT"),
]

# (email, full name, position, unit code, role, coordinated unit code)
ACCOUNTS = [
    ("hocvien@demo.tdkt.vn", "Nguyễn Văn An", "Chuyên viên (kiêm nhiệm TĐKT)", "DANANG-STTTT", Role.TRAINEE, None),
    ("daumoi@demo.tdkt.vn", "Hoàng Thị Bình", "Chánh Văn phòng Sở", "DANANG-STTTT", Role.COORDINATOR, "DANANG-STTTT"),
    ("bantochuc@demo.tdkt.vn", "Phạm Thị Lan", "Chuyên viên Vụ Tổ chức cán bộ", "BTTTT-TCCB", Role.ORGANISER, None),
    ("bientap@demo.tdkt.vn", "Trần Thị Hoa", "Biên tập viên", "BTTTT-VP", Role.EDITOR, None),
    ("kiemduyet@demo.tdkt.vn", "Lê Văn Minh", "Phó Vụ trưởng Vụ Tổ chức cán bộ", "BTTTT-TCCB", Role.MODERATOR, None),
    ("quantri@demo.tdkt.vn", "Đỗ Quang Huy", "Quản trị hệ thống", "BTTTT-VP", Role.ADMIN, None),
]


def seed_units() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for code, name, kind, cluster, parent_code in UNITS:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            parent = OrgUnit.objects.get(pk=units[parent_code].pk) if parent_code else None
            unit = orgunit_create(code=code, name=name, kind=kind, cluster=cluster, parent=parent)
        elif (unit.name, unit.kind, unit.cluster) != (nfc(name), kind, cluster):
            unit.name, unit.kind, unit.cluster = name, kind, cluster
            unit.save(update_fields=["name", "kind", "cluster"])
        units[code] = unit
    return units


def seed_accounts(units: dict[str, OrgUnit]) -> list[tuple[str, str, str]]:
    rows = []
    for email, full_name, position, unit_code, role, coordinated in ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"full_name": full_name, "position": position, "org_unit": units[unit_code]},
        )
        if not created:
            user.full_name, user.position, user.org_unit = full_name, position, units[unit_code]
        # Known passwords only on a development machine; elsewhere the
        # accounts exist but are reached through "forgot password".
        if settings.DEBUG:
            user.set_password(DEMO_PASSWORD)
        elif created:
            user.set_password(secrets.token_urlsafe(24))
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        user_assign_role(user=user, role=role, unit=units[coordinated] if coordinated else None)
        rows.append((str(role.label), email, full_name))
    return rows


def seed(out) -> None:
    units = seed_units()
    rows = seed_accounts(units)
    out.write(f"Đơn vị: {len(units)}; tài khoản mẫu: {len(rows)}")


def summary(out) -> None:
    """The demo logins, printed by seed_demo after everything else so they stay in view."""
    if not settings.DEBUG:
        return
    out.write(f"\nTài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
    for email, full_name, _position, _unit, role, _coordinated in ACCOUNTS:
        out.write(f"  {role.label!s:<24} {email:<28} {full_name}")
    out.write("Cán bộ (đầu mối, ban tổ chức, biên tập, kiểm duyệt, quản trị) sẽ được yêu cầu bật xác thực hai lớp.")
