"""Editors write, moderators publish: page permissions and the review workflow.

- Editors (Role.EDITOR) may add and change pages but not publish them; any
  publish permission they hold is removed.
- Moderators (Role.MODERATOR) may add, change and publish.
- Everything under the home page (regulations, campaigns, later courses)
  goes through one workflow with one step: a member of Moderators approves
  (the page is then published, or scheduled if it has a go-live date) or
  requests changes with a comment.

Wagtail's own models, so the workflow shows and can be changed under
Settings → Workflows.
"""

from django.db import migrations

WORKFLOW_NAME = "Kiểm duyệt trước khi xuất bản"
TASK_NAME = "Nhóm kiểm duyệt (Moderators) duyệt nội dung"
PAGE_PERMISSIONS = {
    "add_page": "Can add page",
    "change_page": "Can change page",
    "publish_page": "Publish any page",
}


def set_up_moderation(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    HomePage = apps.get_model("cms", "HomePage")

    editors, _created = Group.objects.get_or_create(name="Editors")
    moderators, _created = Group.objects.get_or_create(name="Moderators")
    page_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    permissions = {
        codename: Permission.objects.get_or_create(content_type=page_type, codename=codename, defaults={"name": name})[0]
        for codename, name in PAGE_PERMISSIONS.items()
    }

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        for codename in ("add_page", "change_page"):
            GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=permissions[codename])
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(group=moderators, page=root, permission=permissions[codename])
    GroupPagePermission.objects.filter(group=editors, permission=permissions["publish_page"]).delete()
    editors.permissions.remove(permissions["publish_page"])

    home = HomePage.objects.order_by("path").first()
    if home is None:
        return
    task_type, _created = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_type, active=True)
    task.groups.set([moderators])
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page_id=home.pk, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_home_page"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("accounts", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(set_up_moderation, migrations.RunPython.noop)]
