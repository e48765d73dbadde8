import datetime
import os
import re
import time

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from accounts.roles import Role
from accounts.services import user_assign_role
from tests.factories import DEFAULT_PASSWORD, OrgUnitFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Tests that must not share the machine with one another (Chromium, threads
# racing on PostgreSQL, a real Celery worker): under pytest-xdist with
# --dist loadgroup they all run one after another on a single worker.
SERIAL_MARKERS = ("browser", "postgres", "celery_worker")
# Redis databases the Celery worker tests take for their brokers.
BROKER_DATABASES = (13, 14)


def pytest_configure(config):
    _own_redis_database()


def _own_redis_database():
    """Give each pytest-xdist worker a Redis database of its own.

    The cache (and, with Redis, the sessions) would otherwise be shared, and
    one worker's cache.clear() (a FLUSHDB) would wipe another's rate-limit
    counters and sessions mid-test. pytest-django already gives each worker
    its own test database; this is the same for Redis, worker gwN taking
    REDIS_URL's database + N.
    """
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    match = re.fullmatch(r"(?P<base>.+?)(?:/(?P<db>\d+))?/?", url)
    if not worker.startswith("gw") or not url or not match:
        return
    database = int(match["db"] or 0) + int(worker.removeprefix("gw"))
    if database in BROKER_DATABASES:
        raise pytest.UsageError(f"worker {worker} would use Redis database {database}, a broker's: use fewer workers")
    url = f"{match['base']}/{database}"
    os.environ["REDIS_URL"] = url  # for the subprocesses the tests start
    caches = {name: {**options} for name, options in settings.CACHES.items()}
    for options in caches.values():
        if options["BACKEND"].endswith("RedisCache"):
            options["LOCATION"] = url
    override_settings(CACHES=caches).enable()


def require_service(reason: str):
    """In CI a missing service is a failure; elsewhere the test may skip."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def transactional_db(_django_db_helper, django_db_serialized_rollback):
    """Every transactional test restores what the migrations created.

    Data migrations make rows other tests rely on (the Wagtail site and home
    page, groups, the default certificate template). A transactional test
    ends with a flush; with serialized rollback Django reloads those rows
    before the next one instead of leaving content types recreated under new
    keys, which would clash with the reload. So it must hold for all of them
    or for none: this override makes it all.
    """


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def unit(db):
    return OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông", kind="ministry")


@pytest.fixture
def trainee(db):
    return UserFactory()


@pytest.fixture
def make_staff(db):
    def make(role: Role, unit=None, **kwargs):
        user = UserFactory(**kwargs)
        user_assign_role(user=user, role=role, unit=unit)
        return user

    return make


@pytest.fixture
def enable_totp():
    """Turn on TOTP for a user; returns a function giving the current code."""
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    def enable(user):
        secret = generate_totp_secret()
        TOTP.activate(user, secret)

        def code() -> str:
            # A code in its period's last seconds could expire before a busy
            # machine checks it: wait for the next period instead.
            left = 30 - time.time() % 30
            if left < 4:
                time.sleep(left + 0.1)
            return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))

        return code

    return enable


class Clock:
    """What a test holds of the clock: read it, move it forward."""

    def __init__(self, traveller):
        self._traveller = traveller

    def now(self) -> datetime.datetime:
        return timezone.now()

    def advance(self, seconds: float = 0, **delta) -> datetime.datetime:
        self._traveller.shift(datetime.timedelta(seconds=seconds, **delta))
        return timezone.now()


@pytest.fixture
def clock():
    """The tests' one clock: it stands still from now until the test moves it.

    time-machine moves Python's own clock (time.time, datetime.now), so
    everything reads the same time without a patch on any module's copy of
    it: Django's timezone.now and model defaults, signed values' ages, the
    local-memory cache's expiry, allauth's rate-limit windows. Monotonic
    clocks keep running, so timeouts and lock waits still work.
    """
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield Clock(traveller)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        # The marker form of a transactional test bypasses the override above.
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: transactional tests need serialized_rollback=True")
        if any(item.get_closest_marker(name) for name in SERIAL_MARKERS):
            item.add_marker(pytest.mark.xdist_group("serial"))
