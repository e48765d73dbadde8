import io

import pytest

from certificates.models import CertificateTemplate
from demo import accounts as accounts_demo
from demo import certificates as demo


@pytest.mark.django_db
def test_seed_is_idempotent_and_leaves_one_clean_template_per_issuer():
    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    template = CertificateTemplate.objects.get(is_default=True)
    assert CertificateTemplate.objects.count() == 3
    assert template.issuing_body_parent == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert template.org_unit.code == "BTTTT"
    by_unit = dict(CertificateTemplate.objects.values_list("org_unit__code", "issuing_body_parent"))
    assert by_unit["BTNMT"] == "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG"
    assert by_unit["HANOI"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    for each in CertificateTemplate.objects.all():
        each.full_clean()


@pytest.mark.django_db
def test_seeded_values_are_the_templates_published_revision():
    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    template = CertificateTemplate.objects.get(is_default=True)
    assert template.live_revision_id == template.latest_revision_id
    assert template.get_latest_revision_as_object().place == template.place == demo.TEMPLATES[0][2]["place"]
