"""The demo's certificate templates, shaped like Vietnamese official paper: one per issuing ministry or city.

The default template issues for Bộ TT&TT (the 2015 Đà Nẵng conference and the
courses); Bộ TN&MT and Thành phố Hà Nội have their own, named by their unit,
so that an event those units organise prints its own issuer without naming a
template. The demo's certificates themselves are earned, not handed out:
courses and events seed trainees who completed a course or attended a
conference, and their own completion rules issue the certificates through
certificates.services. Idempotent: templates are updated in place.
"""

from accounts.models import OrgUnit
from certificates.models import CertificateTemplate

DEFAULT_NAME = "Mẫu mặc định"
# Signatories are demo names: a real official's signature is not ours to print.
TEMPLATES = [
    (
        DEFAULT_NAME,
        "BTTTT",
        {
            "is_default": True,
            "issuing_body_parent": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
            "issuing_body": "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
            "place": "Đà Nẵng",
            "signatory_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
            "signatory_name": "Phạm Thị Lan",
        },
    ),
    (
        "Mẫu Bộ Tài nguyên và Môi trường",
        "BTNMT",
        {
            "issuing_body_parent": "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
            "issuing_body": "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
            "place": "Hà Nội",
            "signatory_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
            "signatory_name": "Trần Quốc Hưng",
        },
    ),
    (
        "Mẫu Thành phố Hà Nội",
        "HANOI",
        {
            "issuing_body_parent": "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
            "issuing_body": "BAN THI ĐUA – KHEN THƯỞNG",
            "place": "Hà Nội",
            "signatory_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
            "signatory_name": "Lê Thị Minh Hà",
        },
    ),
]


def seed(out) -> None:
    units = dict(
        OrgUnit.objects.filter(code__in=[code for _name, code, _values in TEMPLATES]).values_list("code", "pk")
    )
    for name, unit_code, values in TEMPLATES:
        values = {**values, "org_unit_id": units.get(unit_code)}
        template = (
            CertificateTemplate.objects.filter(is_default=True).first()
            if values.get("is_default")
            else CertificateTemplate.objects.filter(name=name).first()
        )
        if template is None:
            template = CertificateTemplate.objects.create(name=name, **values)
            out.write(f"Mẫu giấy chứng nhận: {template.name} (tạo mới)")
        elif template.name == name and any(getattr(template, k) != v for k, v in values.items()):
            for field, value in values.items():
                setattr(template, field, value)
            template.full_clean()
            # Published as a revision: the admin edits a template's latest revision,
            # so a change to the row alone would be undone by the next draft.
            template.save_revision(clean=False).publish()
            out.write(f"Mẫu giấy chứng nhận: {template.name} (cập nhật)")
        else:
            out.write(f"Mẫu giấy chứng nhận: {template.name}")
