"""Editors and moderators see and close the "modules to review" list in the admin."""

from django.db import migrations

PERMISSIONS = {
    "view_modulereviewflag": "Can view module to review",
    "change_modulereviewflag": "Can change module to review",
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(app_label="courses", model="modulereviewflag")
    permissions = [
        Permission.objects.get_or_create(content_type=content_type, codename=codename, defaults={"name": name})[0]
        for codename, name in PERMISSIONS.items()
    ]
    for name in ("Editors", "Moderators"):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("cms", "0003_moderation_workflow"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
