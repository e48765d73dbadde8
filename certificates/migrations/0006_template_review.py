"""Certificate templates are reviewed: drafts, revisions, locking and the moderation workflow.

- Every existing template stays live, with a first revision holding what it
  prints today, so its history starts from a known state.
- Moderators may publish (and lock, unlock); Editors and Organisers keep
  adding and changing, which now makes drafts.
- The project's moderation workflow (the one pages go through, a member of
  Moderators approving) is assigned to the template model, so "Submit for
  moderation" on a template reaches the same moderators.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from modelcluster.models import get_serializable_data_for_fields

WORKFLOW_NAME = "Kiểm duyệt trước khi xuất bản"
TASK_NAME = "Kiểm duyệt viên duyệt nội dung"
MODERATOR_ACTIONS = ["add", "change", "view", "publish", "lock", "unlock"]


def first_revisions(apps, schema_editor):
    Template = apps.get_model("certificates", "CertificateTemplate")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label="certificates", model="certificatetemplate")
    now = timezone.now()
    for template in Template.objects.filter(latest_revision__isnull=True):
        revision = Revision.objects.create(
            content_type=content_type,
            base_content_type=content_type,
            object_id=str(template.pk),
            created_at=now,
            object_str=template.name,
            content=get_serializable_data_for_fields(template),
        )
        Template.objects.filter(pk=template.pk).update(
            live=True,
            has_unpublished_changes=False,
            latest_revision=revision,
            live_revision=revision,
            first_published_at=now,
            last_published_at=now,
        )


def moderators_publish(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.get_or_create(app_label="certificates", model="certificatetemplate")
    permissions = {
        action: Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_certificatetemplate",
            defaults={"name": f"Can {action} certificate template"},
        )[0]
        for action in MODERATOR_ACTIONS
    }
    moderators, _created = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(*permissions.values())
    for name in ("Editors", "Organisers"):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(permissions["publish"], permissions["unlock"])


def assign_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        # A site whose pages had no home page when cms set up moderation: the same workflow, made here.
        task_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_type, active=True)
        task.groups.add(Group.objects.get_or_create(name="Moderators")[0])
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    content_type, _created = ContentType.objects.get_or_create(app_label="certificates", model="certificatetemplate")
    WorkflowContentType.objects.update_or_create(content_type=content_type, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_batch_heartbeat"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("cms", "0004_regulation_number_key_notify_again"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatetemplate",
            name="expire_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expiry date/time"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="expired",
            field=models.BooleanField(default=False, editable=False, verbose_name="expired"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="first_published_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="first published at"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="go_live_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="go live date/time"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="has_unpublished_changes",
            field=models.BooleanField(default=False, editable=False, verbose_name="has unpublished changes"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="last_published_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="last published at"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="latest_revision",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtailcore.revision",
                verbose_name="latest revision",
            ),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="live",
            field=models.BooleanField(default=True, editable=False, verbose_name="live"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="live_revision",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtailcore.revision",
                verbose_name="live revision",
            ),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="locked",
            field=models.BooleanField(default=False, editable=False, verbose_name="locked"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="locked_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="locked at"),
        ),
        migrations.AddField(
            model_name="certificatetemplate",
            name="locked_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="locked_%(class)ss",
                to=settings.AUTH_USER_MODEL,
                verbose_name="locked by",
            ),
        ),
        migrations.RunPython(first_revisions, migrations.RunPython.noop),
        migrations.RunPython(moderators_publish, migrations.RunPython.noop),
        migrations.RunPython(assign_workflow, migrations.RunPython.noop),
    ]
