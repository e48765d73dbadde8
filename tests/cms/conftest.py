import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.roles import Role
from cms.models import HomePage
from tests.factories import CampaignIndexPageFactory, RegulationIndexPageFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Documents and image renditions the tests upload stay out of the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def home(db):
    """The site root that cms's data migration installs."""
    return HomePage.objects.get()


@pytest.fixture
def regulation_index(home):
    return RegulationIndexPageFactory(parent=home)


@pytest.fixture
def campaign_index(home):
    return CampaignIndexPageFactory(parent=home)


@pytest.fixture
def with_mfa():
    """Staff reach /admin/ only with an authenticator app set up."""

    def activate(user):
        TOTP.activate(user, generate_totp_secret())
        return user

    return activate


@pytest.fixture
def editor(make_staff, with_mfa):
    return with_mfa(make_staff(Role.EDITOR, full_name="Trần Thị Hoa"))


@pytest.fixture
def moderator(make_staff, with_mfa):
    return with_mfa(make_staff(Role.MODERATOR, full_name="Lê Văn Minh"))


@pytest.fixture
def superuser(make_staff, with_mfa):
    return with_mfa(make_staff(Role.ADMIN, full_name="Đỗ Quang Huy"))


@pytest.fixture
def subscriber(db):
    from cms.models import RegulationSubscription

    user = UserFactory(full_name="Nguyễn Văn An")
    RegulationSubscription.objects.create(user=user)
    return user
