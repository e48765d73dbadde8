import pytest
from wagtail.models import GroupPagePermission

from accounts.roles import Role
from events.services import event_index_grant_organisers
from tests.factories import EventPageFactory, RegulationIndexPageFactory


@pytest.mark.django_db
def test_organisers_write_event_pages_but_publish_only_through_moderation(make_staff, enable_totp, client):
    from cms.models import HomePage

    event = EventPageFactory()
    index = event.get_parent().specific
    organiser = make_staff(Role.ORGANISER)
    on_index = index.permissions_for_user(organiser)
    assert on_index.can_add_subpage()
    assert event.permissions_for_user(organiser).can_edit()
    assert not event.permissions_for_user(organiser).can_publish()
    regulations = RegulationIndexPageFactory(parent=HomePage.objects.get())
    assert not regulations.permissions_for_user(organiser).can_add_subpage()
    enable_totp(organiser)
    client.force_login(organiser)
    assert client.get(f"/admin/pages/{event.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{regulations.pk}/edit/").status_code == 302  # refused: back to the dashboard

    event_index_grant_organisers(index=index)  # again: nothing new
    assert GroupPagePermission.objects.filter(group__name="Organisers", page=index).count() == 2
