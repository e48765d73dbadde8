"""The signed-in person read from the shared cache (accounts.identity): changes show at once, no copy is shared."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import identity
from accounts.backends import ModelBackend
from accounts.roles import ROLE_GROUPS, Role
from accounts.scopes import roles_of
from accounts.services import user_assign_role, user_revoke_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/profile/"
STAFF_PAGE = "/events/manage/"


@pytest.fixture(autouse=True)
def _identity_cache(settings):
    # On in production with Redis; in the tests' local-memory cache too (one process, so the signals reach it).
    settings.IDENTITY_CACHE = True


def user_reads(client, path: str) -> int:
    """How many statements of a request read the users table."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code in (200, 302, 403), response.status_code
    return sum('from "accounts_user"' in q["sql"].lower() for q in captured.captured_queries)


def test_a_signed_in_request_reads_the_person_from_the_cache(client, trainee):
    client.force_login(trainee)
    client.get(PROFILE)  # the first request reads the row and keeps it
    assert user_reads(client, PROFILE) == 0
    assert client.get(PROFILE).context["user"].pk == trainee.pk


def test_without_a_shared_cache_every_request_reads_the_row(client, trainee, settings):
    settings.IDENTITY_CACHE = False
    client.force_login(trainee)
    client.get(PROFILE)
    assert user_reads(client, PROFILE) == 1


def test_a_deactivated_account_is_signed_out_at_once(client, trainee):
    client.force_login(trainee)
    assert client.get(PROFILE).status_code == 200
    trainee.is_active = False
    trainee.save()
    response = client.get(PROFILE)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_changed_password_ends_the_other_sessions_at_once(client, trainee):
    client.force_login(trainee)
    assert client.get(PROFILE).status_code == 200
    trainee.set_password("một mật khẩu mới 2026")
    trainee.save()
    assert client.get(PROFILE).status_code == 302


def test_a_deleted_account_is_signed_out_at_once(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get(PROFILE).status_code == 200
    person.delete()
    assert client.get(PROFILE).status_code == 302


def test_a_profile_edit_shows_on_the_next_page(client, trainee):
    client.force_login(trainee)
    client.get(PROFILE)
    trainee.full_name = "Nguyễn Thị Mới"
    trainee.save()
    assert client.get(PROFILE).context["user"].full_name == "Nguyễn Thị Mới"


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ADMIN])
def test_a_role_given_and_taken_by_the_services_shows_at_once(client, trainee, enable_totp, role):
    enable_totp(trainee)
    client.force_login(trainee)
    assert client.get(STAFF_PAGE).status_code == 403
    user_assign_role(user=trainee, role=role)  # the administrator's role is written with update(): no signal
    assert client.get(STAFF_PAGE).status_code == 200
    user_revoke_role(user=trainee, role=role)
    assert client.get(STAFF_PAGE).status_code == 403


def test_group_membership_changed_from_either_side_shows_at_once(client, trainee, enable_totp):
    enable_totp(trainee)
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[Role.ORGANISER])
    client.force_login(trainee)
    assert client.get(STAFF_PAGE).status_code == 403
    group.user_set.add(trainee)
    assert client.get(STAFF_PAGE).status_code == 200
    group.user_set.clear()
    assert client.get(STAFF_PAGE).status_code == 403
    trainee.groups.add(group)
    assert client.get(STAFF_PAGE).status_code == 200
    trainee.groups.clear()
    assert client.get(STAFF_PAGE).status_code == 403
    trainee.groups.add(group)
    assert client.get(STAFF_PAGE).status_code == 200
    group.delete()
    assert client.get(STAFF_PAGE).status_code == 403


def test_an_authenticator_removed_sends_staff_to_set_one_up_at_once(client, make_staff, enable_totp):
    organiser = make_staff(Role.ORGANISER)
    enable_totp(organiser)
    client.force_login(organiser)
    assert client.get(STAFF_PAGE).status_code == 200
    Authenticator.objects.filter(user=organiser).delete()
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302 and reverse("mfa_activate_totp") in response["Location"]
    enable_totp(organiser)
    assert client.get(STAFF_PAGE).status_code == 200


def test_each_person_gets_their_own_copy_and_no_request_leaves_its_answers_in_it(client, make_staff, enable_totp):
    organiser, other = make_staff(Role.ORGANISER), UserFactory()
    enable_totp(organiser)
    client.force_login(organiser)
    client.get(STAFF_PAGE)
    user = ModelBackend().get_user(organiser.pk)
    assert user.pk == organiser.pk and roles_of(user) == roles_of(organiser)
    user.has_perm("wagtailadmin.access_admin")  # fills per-request caches on the object
    user.__dict__["_lms_manages_events"] = {1: True}
    again = ModelBackend().get_user(organiser.pk)
    assert again is not user
    assert not {"_perm_cache", "_user_perm_cache", "_group_perm_cache", "_lms_manages_events"} & set(again.__dict__)
    assert not again._state.fields_cache and not again._state.adding
    assert ModelBackend().get_user(other.pk).pk == other.pk
    assert roles_of(ModelBackend().get_user(other.pk)) == frozenset({Role.TRAINEE})


def test_a_copy_read_before_a_change_is_never_served_after_it(trainee):
    """A request reads the row, a change commits, then the request stores what it read: that copy is orphaned."""
    original = trainee.full_name

    def load_then_change(user_id):
        read = DjangoModelBackend().get_user(user_id)  # Django's own read, uncached
        type(trainee).objects.filter(pk=user_id).update(full_name="Tên đã đổi")
        identity.forget([user_id])  # what the change's signal or service does
        return read

    stale = identity.cached_user(trainee.pk, load_then_change)
    assert stale.full_name == original
    assert ModelBackend().get_user(trainee.pk).full_name == "Tên đã đổi"


def test_a_change_forgets_the_copy_again_after_its_commit(trainee, django_capture_on_commit_callbacks):
    backend = ModelBackend()
    backend.get_user(trainee.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        trainee.full_name = "Trong giao dịch"
        trainee.save()
        # Read inside the transaction, after the at-once forget: what the commit must forget again.
        backend.get_user(trainee.pk)
    assert callbacks
    stamp = cache.get(identity.STAMP_KEY.format(trainee.pk))
    for callback in callbacks:
        callback()
    assert cache.get(identity.STAMP_KEY.format(trainee.pk)) != stamp
    assert backend.get_user(trainee.pk).full_name == "Trong giao dịch"


def test_a_lost_stamp_is_a_miss_not_an_old_copy(trainee):
    backend = ModelBackend()
    backend.get_user(trainee.pk)
    cache.delete(identity.STAMP_KEY.format(trainee.pk))  # evicted
    type(trainee).objects.filter(pk=trainee.pk).update(full_name="Sau khi mất dấu")
    assert backend.get_user(trainee.pk).full_name == "Sau khi mất dấu"


def test_a_staff_page_reads_no_user_group_or_authenticator_row(client, make_staff, enable_totp):
    organiser = make_staff(Role.ORGANISER)
    enable_totp(organiser)
    client.force_login(organiser)
    client.get(STAFF_PAGE)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(STAFF_PAGE).status_code == 200
    tables = ('"accounts_user"', '"accounts_user_groups"', '"mfa_authenticator"')
    assert not [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in tables)]
