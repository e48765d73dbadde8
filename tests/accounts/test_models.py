import unicodedata

import pytest
from django.db import IntegrityError

from accounts.models import User
from accounts.services import user_create, user_update_profile
from core.errors import ServiceError
from tests.factories import OrgUnitFactory, UserFactory

DECOMPOSED = unicodedata.normalize("NFD", "Nguyễn Thị Hương")


@pytest.mark.django_db
def test_full_name_with_decomposed_accents_is_stored_nfc():
    assert DECOMPOSED != "Nguyễn Thị Hương"
    user = user_create(email="huong@example.vn", full_name=f"  {DECOMPOSED}  ")
    stored = User.objects.values_list("full_name", flat=True).get(pk=user.pk)
    assert stored == "Nguyễn Thị Hương"
    assert unicodedata.is_normalized("NFC", stored)


@pytest.mark.django_db
def test_nfc_holds_on_paths_that_bypass_services():
    user = UserFactory(full_name=DECOMPOSED)
    assert User.objects.get(pk=user.pk).full_name == "Nguyễn Thị Hương"
    User.objects.filter(pk=user.pk).update(position=unicodedata.normalize("NFD", "Trưởng phòng"))
    assert User.objects.get(pk=user.pk).position == "Trưởng phòng"
    # A lookup typed with decomposed accents still finds the stored name.
    assert User.objects.filter(full_name=DECOMPOSED).exists()


@pytest.mark.django_db
def test_email_is_the_login_and_case_insensitively_unique():
    user = User.objects.create_user("An.Nguyen@Example.VN", "mat-khau-dai-12345", full_name="Nguyễn An")
    assert user.email == "an.nguyen@example.vn"
    assert user.get_username() == "an.nguyen@example.vn"
    with pytest.raises(ServiceError) as error:
        user_create(email="AN.NGUYEN@example.vn", full_name="Người khác")
    assert error.value.code == "email_taken"


@pytest.mark.django_db
def test_case_insensitive_uniqueness_is_a_database_constraint():
    UserFactory(email="dup@example.vn")
    with pytest.raises(IntegrityError):
        # Bypass save() normalisation: the database itself refuses.
        User.objects.bulk_create([User(email="DUP@example.vn", full_name="X")])


@pytest.mark.django_db
def test_profile_update_validates_phone_and_keeps_history_fields():
    user = UserFactory()
    unit = OrgUnitFactory()
    user_update_profile(
        user=user, full_name="Lê  Văn   Bình", position="Chuyên viên", phone="0905 123 456", org_unit=unit
    )
    user.refresh_from_db()
    assert user.full_name == "Lê Văn Bình"
    assert user.org_unit == unit
    with pytest.raises(Exception, match="phone"):
        user_update_profile(user=user, full_name="Lê Văn Bình", position="", phone="gọi tôi", org_unit=None)


def test_short_name_is_the_given_name():
    assert User(full_name="Nguyễn Văn An").get_short_name() == "An"
