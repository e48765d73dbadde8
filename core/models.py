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
