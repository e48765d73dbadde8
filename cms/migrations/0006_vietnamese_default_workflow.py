"""Wagtail's own default workflow and task ("Moderators approval", on the tree's root)
show in the workflow lists and choosers: named in Vietnamese too."""

from django.db import migrations

RENAMES = {"Moderators approval": "Kiểm duyệt viên phê duyệt"}


def rename(apps, schema_editor):
    for model in ("Workflow", "Task"):
        manager = apps.get_model("wagtailcore", model).objects
        for english, vietnamese in RENAMES.items():
            manager.filter(name=english).update(name=vietnamese)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_search_ranking_fields"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
