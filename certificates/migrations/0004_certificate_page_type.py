import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# The kinds the removed ``kind`` field knew, and the page types they stood
# for: only for certificates whose page is gone, so that they keep their label.
KIND_PAGE_TYPES = {"course": ("courses", "coursepage"), "event": ("events", "eventpage")}


def kind_to_page_type(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Certificate.objects.filter(page__isnull=False).update(
        page_type=Subquery(Page.objects.filter(pk=OuterRef("page_id")).values("content_type_id")[:1])
    )
    for kind, (app_label, model) in KIND_PAGE_TYPES.items():
        page_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if page_type is not None:
            Certificate.objects.filter(page_type__isnull=True, kind=kind).update(page_type=page_type)


def page_type_to_kind(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    Certificate.objects.filter(page_type__app_label="events", page_type__model="eventpage").update(kind="event")
    Certificate.objects.exclude(kind="event").update(kind="course")


class Migration(migrations.Migration):
    """A certificate names the type of the page it was earned on instead of a kind of its own."""

    dependencies = [
        ("certificates", "0003_rename_certificateevent_certificatelogentry"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [
        # With a default, so that undoing the removal below can add the column back to existing rows.
        migrations.AlterField(
            model_name="certificate",
            name="kind",
            field=models.CharField(
                choices=[("course", "Course"), ("event", "Event")], default="", max_length=10, verbose_name="kind"
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="page_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="type of page",
            ),
        ),
        migrations.RunPython(kind_to_page_type, page_type_to_kind),
        migrations.RemoveField(model_name="certificate", name="kind"),
    ]
