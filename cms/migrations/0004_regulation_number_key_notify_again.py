"""Document numbers unique without leading zeros; "notify again" replaces "notify
subscribers"; the tree's root, the root collection and the review task get
Vietnamese names."""

import cms.models
import django.core.validators
from django.db import migrations, models


def fill_number_keys(apps, schema_editor):
    # A pair that clashes keeps the key on the older page; the other is told
    # to change its number on its next save (RegulationPage.clean).
    RegulationPage = apps.get_model("cms", "RegulationPage")
    taken = set()
    for page in RegulationPage.objects.order_by("pk").only("pk", "document_number"):
        key = cms.models.document_number_key(page.document_number)
        if key and key not in taken:
            taken.add(key)
            RegulationPage.objects.filter(pk=page.pk).update(document_number_key=key)


ROOT_NAMES = {"Root": "Gốc"}


def name_roots_in_vietnamese(apps, schema_editor):
    # Wagtail's explorer, choosers and collections show these names as data, untranslated.
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    for english, vietnamese in ROOT_NAMES.items():
        Page.objects.filter(depth=1, title=english).update(title=vietnamese, draft_title=vietnamese)
        Collection.objects.filter(depth=1, name=english).update(name=vietnamese)


OLD_TASK_NAME = "Nhóm kiểm duyệt (Moderators) duyệt nội dung"
TASK_NAME = "Kiểm duyệt viên duyệt nội dung"


def name_review_task_in_vietnamese(apps, schema_editor):
    # Every workflow row and button shows the task's name: no English group name in it.
    apps.get_model("wagtailcore", "Task").objects.filter(name=OLD_TASK_NAME).update(name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_moderation_workflow"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="regulationpage",
            name="notify_subscribers",
        ),
        migrations.AddField(
            model_name="regulationpage",
            name="document_number_key",
            field=models.CharField(editable=False, max_length=50, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="regulationpage",
            name="notify_again",
            field=models.BooleanField(
                default=False,
                help_text="Subscribers are emailed when a regulation is first published. Tick this only when a change matters to them; corrections of typing errors need no email.",
                verbose_name="email subscribers again when published",
            ),
        ),
        migrations.AlterField(
            model_name="regulationpage",
            name="document_number",
            field=cms.models.DocumentNumberField(
                error_messages={"unique": "Another regulation already has this document number."},
                help_text="As printed on the document: 13/2015/TT-BTTTT, 39-CT/TW, 06/2022/QH15…",
                max_length=50,
                null=True,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^(?:[0-9]{1,5}/(?:19|20)[0-9]{2}/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*|[0-9]{1,5}/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*|[0-9]{1,5}-[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*)$",
                        "Enter the document number as printed on the document, for example 13/2015/TT-BTTTT, 105/CT-BTTTT, 39-CT/TW or 06/2022/QH15.",
                        code="invalid_document_number",
                    )
                ],
                verbose_name="document number",
            ),
        ),
        migrations.RunPython(fill_number_keys, migrations.RunPython.noop),
        migrations.RunPython(name_roots_in_vietnamese, migrations.RunPython.noop),
        migrations.RunPython(name_review_task_in_vietnamese, migrations.RunPython.noop),
    ]
