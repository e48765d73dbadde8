"""Certificates issued before the app stopped naming its callers keep their facts and their log."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from certificates.models import Certificate
from cms.models import StandardPage
from events.models import EventPage
from tests.factories import StandardPageFactory, UserFactory

BEFORE = [("certificates", "0002_default_template")]
AFTER = [("certificates", "0004_certificate_page_type")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    # Whatever happened, the next test gets the schema of today's models.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_kinds_become_page_types_and_the_log_is_kept(migrator):
    page = StandardPageFactory()
    holder = UserFactory()
    ContentType.objects.get_for_model(EventPage)  # what the page-less certificate's old kind "event" finds
    old = migrator(BEFORE)
    template = old.get_model("certificates", "CertificateTemplate").objects.get(is_default=True)
    OldCertificate = old.get_model("certificates", "Certificate")
    common = {
        "holder_id": holder.pk,
        "template": template,
        "holder_name": "Nguyễn Văn An",
        "achievement_title": "Hội nghị tập huấn 2015",
        "completed_on": datetime.date(2015, 8, 25),
        "issued_at": datetime.datetime(2015, 8, 25, tzinfo=datetime.UTC),
    }
    on_page = OldCertificate.objects.create(serial="TĐKT-2015-000001", page_id=page.pk, kind="course", **common)
    page_gone = OldCertificate.objects.create(serial="TĐKT-2015-000002", page_id=None, kind="event", **common)
    old.get_model("certificates", "CertificateEvent").objects.create(certificate=on_page, action="issued")

    migrator(AFTER)
    # Read through today's model, so with today's columns (added after 0004).
    migrator([node for node in MigrationExecutor(connection).loader.graph.leaf_nodes() if node[0] == "certificates"])

    kept = Certificate.objects.get(pk=on_page.pk)
    assert kept.page_model is StandardPage  # the page's own type wins over the old kind
    assert list(kept.log_entries.values_list("action", flat=True)) == ["issued"]
    gone = Certificate.objects.get(pk=page_gone.pk)
    assert gone.page_model is EventPage
    assert str(gone.achievement_kind) == str(EventPage._meta.verbose_name)
    assert gone.achievement_type == "Certificate"

    # And back, for a rollback of a deployment: the kinds return from the page types.
    old = migrator(BEFORE)
    kinds = dict(old.get_model("certificates", "Certificate").objects.values_list("pk", "kind"))
    assert kinds == {on_page.pk: "course", page_gone.pk: "event"}
    assert old.get_model("certificates", "CertificateEvent").objects.filter(certificate_id=on_page.pk).count() == 1
