"""Two tabs completing modules at the same moment, on PostgreSQL (the enrolment's row lock keeps them apart)."""

import threading

import pytest

from certificates.models import Certificate, SerialCounter
from core.errors import ServiceError
from courses import selectors, services
from courses.models import Enrolment, ModuleProgress
from courses.services import enrolment_create, module_complete
from tests.conftest import require_service
from tests.courses.conftest import make_course
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(calls):
    """Run the calls in threads released together; each result is a value, a ServiceError code or an exception."""
    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except ServiceError as error:
            results[index] = error.code
        except Exception as error:  # noqa: BLE001 - reported by the assertions, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class Meeting:
    """A point inside the service where each racing thread waits (up to ``timeout``) for the other.

    Without a lock both threads get there and go on together, so their
    critical sections overlap for certain rather than by luck of timing;
    with the enrolment locked, the second thread waits on the database
    before it, the first goes on after the timeout, and ``met`` stays False.
    """

    def __init__(self, parties: int = 2, timeout: float = 1.0):
        self.parties, self.timeout = parties, timeout
        self.arrived: set[int] = set()
        self.waiting = 0
        self.met = False
        self.condition = threading.Condition()

    def wait(self) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        with self.condition:
            if threading.get_ident() in self.arrived:
                return  # once per thread
            self.arrived.add(threading.get_ident())
            if self.waiting + 1 >= self.parties:  # the others are still here
                self.met = True
                self.condition.notify_all()
                return
            self.waiting += 1
            self.condition.wait_for(lambda: self.met, timeout=self.timeout)
            self.waiting -= 1


@pytest.fixture
def meet(monkeypatch):
    """``meet(owner, "name")``: the racing threads meet when they first call ``owner.name``."""

    def install(owner, name: str) -> Meeting:
        meeting = Meeting()
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            meeting.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)
        return meeting

    return install


@pytest.fixture
def on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service("PostgreSQL")


@pytest.fixture
def queued(monkeypatch):
    """Enrolment ids whose certificate task was queued (once per recorded course completion); still runs it."""
    calls = []
    enqueue = services.outbox_enqueue

    def counting(task, **kwargs):
        if task == "courses.tasks.course_certificate_issue":
            calls.append(kwargs["enrolment_id"])
        return enqueue(task, **kwargs)

    monkeypatch.setattr(services, "outbox_enqueue", counting)
    return calls


def enrol(modules=3, **kwargs):
    course = make_course(modules, **kwargs)
    user = UserFactory()
    enrolment = enrolment_create(user=user, course=course)
    return course, user, enrolment, list(course.modules())


def assert_progress(results, enrolment, module):
    assert all(isinstance(r, ModuleProgress) for r in results), results
    rows = ModuleProgress.objects.filter(enrolment=enrolment, module=module)
    assert rows.count() == 1
    row = rows.get()
    assert row.completed_at is not None
    # Both tabs see the one completion: same row, same moment.
    assert {(r.pk, r.completed_at) for r in results} == {(row.pk, row.completed_at)}


def test_two_tabs_completing_the_same_module_record_it_once(on_postgresql, queued, meet):
    _course, user, enrolment, modules = enrol(3)
    module_complete(user=user, module=modules[0])
    meet(selectors, "module_state")  # after the enrolment lock, before the progress is written
    results = race([lambda: module_complete(user=user, module=modules[1])] * 2)
    assert_progress(results, enrolment, modules[1])
    assert ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 2
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    assert queued == [] and not Certificate.objects.exists()


def test_two_tabs_completing_the_last_module_complete_the_course_once(on_postgresql, queued, meet):
    course, user, enrolment, modules = enrol(3)
    for module in modules[:2]:
        module_complete(user=user, module=module)
    meet(selectors, "module_state")
    results = race([lambda: module_complete(user=user, module=modules[2])] * 2)
    assert_progress(results, enrolment, modules[2])
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED and enrolment.completed_at is not None
    assert queued == [enrolment.pk]  # the completion was recorded once
    certificate = Certificate.objects.get(holder=user, page=course)
    assert Certificate.objects.count() == 1
    # No serial number used up by a second issue.
    assert SerialCounter.objects.get(year=certificate.completed_on.year).last == 1


def test_two_tabs_completing_the_two_last_modules_complete_the_course_once(on_postgresql, queued, meet):
    """Modules in any order: each tab completes a different last module; the second to commit completes the course."""
    course, user, enrolment, modules = enrol(3, sequential=False)
    module_complete(user=user, module=modules[0])
    meet(services, "course_completion_check")  # each tab's progress written, not yet committed
    results = race(
        [lambda: module_complete(user=user, module=modules[1]), lambda: module_complete(user=user, module=modules[2])]
    )
    assert all(isinstance(r, ModuleProgress) and r.completed_at for r in results), results
    assert ModuleProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False).count() == 3
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert queued == [enrolment.pk]
    assert Certificate.objects.filter(holder=user, page=course).count() == 1
