"""Health endpoints for load balancers and operators.

``live`` answers without touching anything (the process is up); ``ready``
reports each backing service so an operator sees which one is down.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.models import OutboxItem
from core.outbox import outbox_oldest_pending_age


@require_GET
def live(request):
    return HttpResponse(b"ok", content_type="text/plain")


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # noqa: BLE001 - any failure is the report
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **(detail or {})}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"backend": connection.vendor}


def _cache() -> dict:
    key = "healthz:ready"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager"}
    from lms.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"mode": "broker"}


def _outbox() -> dict:
    # Reported, not judged: a backlog after an outage is no reason to take the
    # web node out of service; the age tells an operator whether it drains.
    age = outbox_oldest_pending_age()
    return {
        "pending": OutboxItem.objects.filter(done_at__isnull=True).count(),
        "oldest_pending_seconds": None if age is None else round(age),
    }


@never_cache
@require_GET
def ready(request):
    components = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "broker": _timed(_broker),
        "outbox": _timed(_outbox),
    }
    healthy = all(component["ok"] for component in components.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "components": components},
        status=200 if healthy else 503,
    )
