import io

import pytest
from django.core import mail
from django.core.management import call_command


@pytest.mark.django_db
def test_seed_demo_keeps_its_mail_and_ends_with_the_logins(settings, tmp_path, mailoutbox):
    settings.DEBUG = True  # known demo passwords are only printed on a development machine
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    kept = int(text.split("(không gửi): ")[1].split()[0])
    assert kept > 0  # certificates for the demo's finished courses and conferences
    assert "application/pdf" not in text
    assert mailoutbox == [] and mail.outbox is mailoutbox  # the test's own outbox is untouched
    last = text.strip().splitlines()[-8:]
    assert any("hocvien@demo.tdkt.vn" in line for line in last)
    assert "TdktDemo@2015" in text
