"""The demo's default certificate template, shaped like Vietnamese official paper.

The demo's certificates themselves are earned, not handed out: courses and
events seed trainees who completed a course or attended a conference, and
their own completion rules issue the certificates through
certificates.services. Idempotent: the template is updated in place.
"""

from certificates.models import CertificateTemplate

DEFAULT_NAME = "Mẫu mặc định"
DEMO_TEMPLATE = {
    "issuing_body_parent": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
    "issuing_body": "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
    "place": "Đà Nẵng",
    "signatory_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
    # A demo account's name: a real official's signature is not ours to print.
    "signatory_name": "Phạm Thị Lan",
}


def seed(out) -> None:
    template = CertificateTemplate.objects.filter(is_default=True).first()
    if template is None:
        template = CertificateTemplate.objects.create(name=DEFAULT_NAME, is_default=True, **DEMO_TEMPLATE)
    elif template.name == DEFAULT_NAME and any(getattr(template, k) != v for k, v in DEMO_TEMPLATE.items()):
        for name, value in DEMO_TEMPLATE.items():
            setattr(template, name, value)
        template.full_clean()
        # Published as a revision: the admin edits a template's latest revision,
        # so a change to the row alone would be undone by the next draft.
        template.save_revision(clean=False).publish()
    out.write(f"Mẫu giấy chứng nhận: {template.name}")
