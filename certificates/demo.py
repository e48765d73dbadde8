"""Demo certificate template and, when demo courses or events exist, certificates.

Courses and events are other apps; once their demo pages exist (they come
later in INSTALLED_APPS, so on a later run of seed_demo, or their own demo
issues certificates through certificates.services), the demo trainee gets a
certificate for the first of them, so the verification page can be tried.
Idempotent: the template is updated in place and issuing is idempotent.
"""

from wagtail.models import Page

from accounts.models import User
from certificates.models import Certificate, CertificateTemplate
from certificates.services import Achievement, certificate_issue

DEFAULT_NAME = "Mẫu mặc định"
DEMO_TEMPLATE = {
    "issuing_body_parent": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
    "issuing_body": "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
    "place": "Đà Nẵng",
    "signatory_title": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
    # A demo account's name: a real official's signature is not ours to print.
    "signatory_name": "Phạm Thị Lan",
}
DEMO_TRAINEE = "hocvien@demo.tdkt.vn"


def seed(out) -> None:
    template = CertificateTemplate.objects.filter(is_default=True).first()
    if template is None:
        template = CertificateTemplate.objects.create(name=DEFAULT_NAME, is_default=True, **DEMO_TEMPLATE)
    elif template.name == DEFAULT_NAME:
        for name, value in DEMO_TEMPLATE.items():
            setattr(template, name, value)
        template.full_clean()
        template.save()
    issued = 0
    holder = User.objects.filter(email=DEMO_TRAINEE).select_related("org_unit").first()
    pages = Page.objects.live().filter(content_type__model__in=["coursepage", "eventpage"]).specific()
    for page in pages[:2]:
        if holder is None:
            break
        kind = Certificate.Kind.EVENT if page.content_type.model == "eventpage" else Certificate.Kind.COURSE
        certificate_issue(holder=holder, achievement=Achievement(page=page, kind=kind, earned=True))
        issued += 1
    out.write(f"Mẫu giấy chứng nhận: {template.name}; giấy chứng nhận mẫu: {issued}")
