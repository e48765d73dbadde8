"""Two confirms of one preview at the same moment, on PostgreSQL: one imports, the other does not."""

import pytest

from events import imports
from events.models import EventPage, Registration
from tests.quizzes.test_concurrency import on_postgresql, race  # noqa: F401 - on_postgresql is a fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("on_postgresql"),
]

HEADER = "Họ và tên,Email,Mã đơn vị\r\n"


@pytest.fixture
def staged(event, danang, organiser):
    EventPage.objects.filter(pk=event.pk).update(capacity=100)
    event.refresh_from_db()
    rows = "".join(f"Đại Biểu {n},db{n}@example.vn,{danang.code}\r\n" for n in range(20))
    data = (HEADER + rows).encode()
    preview = imports.registration_import_preview(event=event, file=data, filename="a.csv", by=organiser)
    token = imports.registration_import_stage(event=event, preview=preview, data=data, by=organiser)
    return event, organiser, token


def test_a_double_click_imports_once(staged):
    event, organiser, token = staged

    def confirm():
        confirmation, report = imports.registration_import_confirm(
            event=event, token=token, by=organiser, convert_rows=set(), keep_as_typed=False
        )
        return confirmation.status, report.confirmed if report else None

    results = race([confirm, confirm, confirm])
    statuses = sorted(status for status, _confirmed in results)
    assert statuses.count("done") == 1
    assert set(statuses) <= {"done", "running", "repeated"}
    # Whoever was told the result was told the first confirm's.
    assert {confirmed for status, confirmed in results if status in ("done", "repeated")} == {20}
    assert Registration.objects.filter(event=event).count() == 20
    status, confirmed = confirm()
    assert (status, confirmed) == ("repeated", 20)
