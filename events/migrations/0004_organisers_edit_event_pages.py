"""Organisers may add and edit event pages under every existing conference index.

New indexes get the same from events.apps (post_save); publishing stays with
the moderation workflow.
"""

from django.db import migrations

CODENAMES = ("add_page", "change_page")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    EventIndexPage = apps.get_model("events", "EventIndexPage")
    organisers, _created = Group.objects.get_or_create(name="Organisers")
    permissions = list(Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=CODENAMES))
    for index in EventIndexPage.objects.all():
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=organisers, page_id=index.pk, permission=permission)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_pre_reading_course"),
        ("accounts", "0002_role_groups"),
        ("cms", "0003_moderation_workflow"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
