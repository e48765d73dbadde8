"""Run modes are chosen by environment variables only: each case imports the
settings in a fresh interpreter with exactly the variables given."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"
PROBE = """
import json
from django.conf import settings
import django
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER, "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"], "session": settings.SESSION_ENGINE,
    "debug": settings.DEBUG, "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0), "email": settings.EMAIL_BACKEND,
    "hosts": settings.ALLOWED_HOSTS, "storage": settings.STORAGES["default"]["BACKEND"],
}))
"""


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "REDIS_", "EMAIL_"))}
    clean.pop("LMS_TESTING", None)
    clean.pop("DEBUG", None)
    clean.pop("SECRET_KEY", None)
    clean.update(DJANGO_SETTINGS_MODULE="lms.settings", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def probe(**env: str) -> dict:
    result = run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_eager_and_local_memory():
    config = probe(DEBUG="1")
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["options"]["init_command"]
    assert config["options"]["timeout"] >= 5
    assert config["eager"] is True
    assert config["cache"].endswith("LocMemCache")
    assert config["session"] == "django.contrib.sessions.backends.db"
    assert config["email"].endswith("console.EmailBackend")


def test_production_services_come_from_the_environment():
    config = probe(
        SECRET_KEY=PROD_KEY,
        ALLOWED_HOSTS="daotao.example.vn",
        DATABASE_URL="postgres://lms:pw@db.internal:5432/lms",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        REDIS_URL="redis://cache.internal:6379/1",
        EMAIL_HOST="smtp.example.vn",
        MEDIA_STORAGE="django.core.files.storage.InMemoryStorage",
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "lms"
    assert config["eager"] is False
    assert config["broker"] == "redis://cache.internal:6379/0"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["session"] == "django.contrib.sessions.backends.cache"
    assert config["email"].endswith("smtp.EmailBackend")
    assert config["storage"] == "django.core.files.storage.InMemoryStorage"
    assert config["hosts"] == ["daotao.example.vn"]
    assert config["debug"] is False
    assert config["ssl_redirect"] is True
    assert config["hsts"] >= 31536000


def test_production_refuses_to_start_without_a_secret_key():
    result = run(PROBE, ALLOWED_HOSTS="daotao.example.vn")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_sqlite_connection_uses_wal_and_immediate_transactions(tmp_path):
    # In a fresh interpreter without DATABASE_URL, whatever database this suite runs on.
    probe = """
import json
import django
from django.db import connection
django.setup()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({"vendor": connection.vendor, "journal": journal, "busy": busy,
                  "mode": connection.settings_dict["OPTIONS"]["transaction_mode"],
                  "persistent": connection.settings_dict["CONN_MAX_AGE"]}))
"""
    result = run(probe, DEBUG="1", SQLITE_PATH=str(tmp_path / "probe.sqlite3"))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts == {"vendor": "sqlite", "journal": "wal", "busy": 20000, "mode": "IMMEDIATE", "persistent": 60}


def test_deploy_checks_are_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "LMS_TESTING"}},
            "SECRET_KEY": PROD_KEY,
            "ALLOWED_HOSTS": "daotao.example.vn",
            "CERTIFICATE_SIGNING_KEY": base64.b64encode(bytes(range(32))).decode(),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
