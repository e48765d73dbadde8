"""Wagtail's "Editors" and "Moderators" groups take Vietnamese names.

Group pickers and workflow task rows show these names to editors. Tasks hold
their groups by key, so they follow the rename. Every earlier migration that
looks these groups up by their old name is a dependency, so it runs first and
finds them; later code looks them up through accounts.roles.ROLE_GROUPS.
"""

from django.db import migrations

RENAMES = {"Editors": "Biên tập viên", "Moderators": "Kiểm duyệt viên"}


def rename(apps, mapping):
    Group = apps.get_model("auth", "Group")
    for old, new in mapping.items():
        # A site whose administrator already made a group by the new name keeps it; never merge silently.
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, RENAMES)


def backwards(apps, schema_editor):
    rename(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtaildocs", "0002_initial_data"),
        ("wagtailimages", "0002_initial_data"),
        ("certificates", "0006_template_review"),
        ("cms", "0003_moderation_workflow"),
        ("courses", "0002_review_flag_permissions"),
        ("quizzes", "0002_editor_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
