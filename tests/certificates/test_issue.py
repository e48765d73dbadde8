import re
import threading

import pytest
from django.db import connection, connections

from certificates.models import Certificate, CertificateLogEntry
from certificates.services import certificate_issue, certificate_issue_or_get
from certificates.tasks import certificate_deliver
from core.errors import ServiceError
from tests.certificates.conftest import achievement_for
from tests.conftest import require_service
from tests.factories import OrgUnitFactory, StandardPageFactory, UserFactory


@pytest.mark.django_db
def test_issue_snapshots_the_achievement_and_logs_it(issue, page):
    unit = OrgUnitFactory(name="Sở Thông tin và Truyền thông Đà Nẵng")
    holder = UserFactory(full_name="Trần  Thị   Thu", org_unit=unit)
    certificate = issue(holder=holder, page=page, score="9.5")
    assert re.fullmatch(r"TĐKT-2015-\d{6}", certificate.serial)
    assert len(certificate.code) >= 22
    assert certificate.holder_name == "Trần Thị Thu"
    assert certificate.holder_unit == "Sở Thông tin và Truyền thông Đà Nẵng"
    assert certificate.achievement_title == page.title
    assert (certificate.sessions_attended, certificate.sessions_total, str(certificate.hours)) == (4, 4, "16.0")
    assert str(certificate.score) == "9.50"
    assert certificate.status == Certificate.Status.VALID
    assert list(certificate.log_entries.values_list("action", flat=True)) == [CertificateLogEntry.Action.ISSUED]
    # The snapshot outlives the page.
    page.delete()
    certificate.refresh_from_db()
    assert certificate.page is None
    assert certificate.achievement_title == "Hội nghị tập huấn công tác thi đua, khen thưởng năm 2015"


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_certificate(issue, page):
    holder = UserFactory()
    first = issue(holder=holder, page=page)
    second, created = certificate_issue_or_get(holder=holder, achievement=achievement_for(page))
    assert not created
    assert second.pk == first.pk
    assert Certificate.objects.filter(holder=holder).count() == 1


@pytest.mark.django_db
def test_serials_count_up_per_prefix_and_year(issue):
    first, second = issue(), issue()
    assert int(second.serial.rsplit("-", 1)[1]) == int(first.serial.rsplit("-", 1)[1]) + 1


@pytest.mark.django_db
def test_an_achievement_not_yet_earned_is_refused_with_the_reason(page):
    holder = UserFactory()
    with pytest.raises(ServiceError) as error:
        certificate_issue(
            holder=holder, achievement=achievement_for(page, earned=False, reason="Chưa dự đủ 4 chuyên đề (3/4).")
        )
    assert error.value.code == "not_earned"
    assert error.value.message == "Chưa dự đủ 4 chuyên đề (3/4)."
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_the_pdf_is_mailed_to_the_holder_once(issue, mailoutbox):
    holder = UserFactory(full_name="Lê Thị Hồng Nhung")
    certificate = issue(holder=holder)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [holder.email]
    assert certificate.serial in message.subject
    # In the site's language, whatever the request or task that issued it.
    assert message.subject.startswith("Giấy chứng nhận")
    assert f"https://daotao.example.vn/certificates/verify/{certificate.code}/" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf"
    assert filename.endswith("_le-thi-hong-nhung.pdf")
    assert content.startswith(b"%PDF")
    # A redelivered task neither renders again nor mails again.
    certificate_deliver.delay(certificate_id=certificate.pk)
    assert len(mailoutbox) == 1
    certificate.refresh_from_db()
    assert certificate.emailed_at is not None


@pytest.mark.postgres
# serialized_rollback: the data migrations' rows (home page, default template)
# are put back after the flush that ends a transactional test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issues_make_one_certificate():
    """Eight threads, each with its own connection, issue for the same person and page at once."""
    if connection.vendor != "postgresql":
        require_service(f"concurrent issue needs PostgreSQL (DATABASE_URL); this run uses {connection.vendor}")
    holder = UserFactory()
    page = StandardPageFactory()
    other = UserFactory()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def work(person):
        try:
            barrier.wait(timeout=10)
            certificate, created = certificate_issue_or_get(holder=person, achievement=achievement_for(page))
            results.append((person.pk, certificate.pk, created))
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(holder if n % 4 else other,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == threads_count
    for person in (holder, other):
        mine = [(pk, created) for holder_pk, pk, created in results if holder_pk == person.pk]
        assert len({pk for pk, _ in mine}) == 1
        assert sum(created for _, created in mine) == 1
        assert Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).count() == 1
    serials = sorted(int(s.rsplit("-", 1)[1]) for s in Certificate.objects.values_list("serial", flat=True))
    assert serials == [serials[0], serials[0] + 1]  # no number lost to the losers


@pytest.mark.django_db
def test_the_database_refuses_a_second_valid_certificate(issue, page):
    from django.db import IntegrityError, transaction

    certificate = issue(page=page)
    duplicate = Certificate.objects.get(pk=certificate.pk)
    duplicate.pk = None
    duplicate.code = "another-code-0000000000"
    duplicate.serial = "TĐKT-2015-999999"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)
