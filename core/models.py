from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxItem(models.Model):
    """Background work recorded in the same transaction as the change that asks for it.

    The row is the promise; Celery is only the delivery. A row stays pending
    until its task has run to the end, so work survives a broker that is down
    when the request commits, a worker killed mid-task, or a lost message:
    the sweep sends whatever is still pending again.
    """

    task = models.CharField(max_length=200)  # registered Celery task name
    kwargs = models.JSONField(default=dict)
    # Work asked for twice while still pending is one item (a double submit).
    key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)  # not before: the retry backoff
    dispatched_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)  # a runner holds it until then
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(done_at__isnull=True) & ~Q(key=""),
                name="core_outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["available_at"], condition=Q(done_at__isnull=True), name="core_outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"


class PendingImport(models.Model):
    """A previewed file's confirmation: a one-time token, what to write, then what was written.

    ``kind`` names the importer and its target ("events.registrations:42"),
    so a token only confirms the import it was issued for; ``actor_id`` is
    the person who previewed (a plain id: the kernel knows no user model).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=100)
    actor_id = models.BigIntegerField()
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    payload = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "file_sha256"], name="core_pending_import_file")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"
