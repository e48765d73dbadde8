import os

import pytest
from django.core.cache import cache

from accounts.roles import Role
from accounts.services import user_assign_role
from tests.factories import DEFAULT_PASSWORD, OrgUnitFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
        return lambda: format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))

    return enable


def pytest_collection_modifyitems(items):
    # The marker form of a transactional test bypasses the override above.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: transactional tests need serialized_rollback=True")
