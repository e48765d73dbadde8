"""One-time confirmation tokens: an import runs once, whatever happens around it."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import PendingImport
from core.pending import (
    KEEP_FOR,
    RUNNING_TIMEOUT,
    file_sha256,
    pending_import_confirm,
    pending_import_create,
    previously_imported,
)

pytestmark = pytest.mark.django_db

KIND = "tests.rows:1"


def confirm(token, *, kind=KIND, actor_id=7, run=None):
    return pending_import_confirm(token=token, kind=kind, actor_id=actor_id, run=run or (lambda payload: payload))


def test_a_token_confirms_once_and_then_repeats_its_result():
    token = pending_import_create(kind=KIND, actor_id=7, data=b"file", payload={"rows": 3})
    row = PendingImport.objects.get(token=token)
    assert (row.status, row.file_sha256) == ("pending", file_sha256(b"file"))
    runs = []

    def run(payload):
        runs.append(payload)
        return {"written": payload["rows"]}

    first = confirm(token, run=run)
    assert (first.status, first.result) == ("done", {"written": 3})
    assert runs == [{"rows": 3}]
    again = confirm(token, run=run)
    assert (again.status, again.result) == ("repeated", {"written": 3})
    assert runs == [{"rows": 3}]
    # What was waiting is not kept once written.
    assert PendingImport.objects.get(token=token).payload == {}


@pytest.mark.parametrize("change", [{"kind": "tests.rows:2"}, {"actor_id": 8}])
def test_only_its_previewer_and_its_import_may_confirm_a_token(change):
    token = pending_import_create(kind=KIND, actor_id=7, data=b"file", payload={})
    assert confirm(token, **change).status == "missing"
    assert confirm("not-a-token").status == "missing"
    assert confirm(token).status == "done"


def test_a_confirm_that_fails_leaves_the_token_to_try_again():
    token = pending_import_create(kind=KIND, actor_id=7, data=b"file", payload={})

    def broken(payload):
        PendingImport.objects.create(token="written-then-undone", kind=KIND, actor_id=1, file_sha256="x")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        confirm(token, run=broken)
    # Its writes were undone with it, and the token is usable again.
    assert not PendingImport.objects.filter(token="written-then-undone").exists()
    assert PendingImport.objects.get(token=token).status == "pending"
    assert confirm(token).status == "done"


def test_a_confirm_running_elsewhere_is_waited_for_unless_it_died():
    token = pending_import_create(kind=KIND, actor_id=7, data=b"file", payload={})
    PendingImport.objects.filter(token=token).update(status="running", updated_at=timezone.now())
    assert confirm(token).status == "running"
    # A worker killed mid-import rolled its transaction back: claimable again.
    PendingImport.objects.filter(token=token).update(updated_at=timezone.now() - RUNNING_TIMEOUT - dt.timedelta(1))
    assert confirm(token).status == "done"


def test_old_previews_are_dropped_and_a_file_imported_before_is_recognised():
    old = pending_import_create(kind=KIND, actor_id=7, data=b"old", payload={})
    PendingImport.objects.filter(token=old).update(updated_at=timezone.now() - KEEP_FOR - dt.timedelta(hours=1))
    token = pending_import_create(kind=KIND, actor_id=7, data=b"file", payload={})
    assert not PendingImport.objects.filter(token=old).exists()
    assert previously_imported(kind=KIND, data=b"file") is None
    confirm(token)
    assert previously_imported(kind=KIND, data=b"file") is not None
    assert previously_imported(kind="tests.rows:2", data=b"file") is None
