from django.db import migrations

# Editors and moderators keep the question bank and the quizzes in the Wagtail
# admin (the import, export and statistics pages check the same roles).
GROUPS = ["Editors", "Moderators"]
MODELS = {"category": "question category", "casestudy": "case study", "question": "question", "quiz": "quiz"}
ACTIONS = ["add", "change", "delete", "view"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    permissions = []
    for model, verbose in MODELS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="quizzes", model=model)
        permissions += [
            Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {verbose}"}
            )[0]
            for action in ACTIONS
        ]
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
