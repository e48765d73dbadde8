import io

import pytest

from certificates.models import CertificateTemplate
from demo import accounts as accounts_demo
from demo import certificates as demo


@pytest.mark.django_db
def test_seed_is_idempotent_and_leaves_one_clean_default_template():
    accounts_demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    template = CertificateTemplate.objects.get(is_default=True)
    assert CertificateTemplate.objects.count() == 1
    assert template.issuing_body_parent == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
    template.full_clean()
