import pytest


def test_live_touches_no_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_ready_reports_each_component(client):
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "cache", "broker", "outbox"}
    assert all(component["ok"] for component in body["components"].values())
    assert body["components"]["outbox"]["pending"] == 0
    assert body["components"]["outbox"]["oldest_pending_seconds"] is None


@pytest.mark.django_db
def test_ready_fails_with_503_when_a_component_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from lms.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz/ready")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["components"]["broker"]["ok"] is False
    assert body["components"]["database"]["ok"] is True
