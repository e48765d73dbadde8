"""manage.py backup / restore on the embedded default (SQLite + media), run as an operator would.

It runs in a subprocess on a SQLite file of its own, so it also runs (and
means the same) when the suite itself runs on PostgreSQL.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import django, sys
from pathlib import Path
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection

call_command("migrate", verbosity=0)
from accounts.models import OrgUnit, User
from accounts.services import orgunit_create
unit = orgunit_create(code="DN", name="Sở Thông tin và Truyền thông Đà Nẵng")
for i in range(50):
    User.objects.create_user(email=f"u{i}@example.vn", password=None, full_name=f"Nguyễn Văn {i}", org_unit=unit)
media = Path(settings.MEDIA_ROOT) / "certificates" / "a.pdf"
media.parent.mkdir(parents=True)
media.write_bytes(b"%PDF-1.7 demo")

with connection.cursor() as c:
    c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    tables = [t for (t,) in c.fetchall()]
def counts():
    with connection.cursor() as c:
        return {t: c.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
before = counts()

call_command("backup", str(Path(sys.argv[1]) / "b.tar.gz"))
User.objects.all().delete()
OrgUnit.objects.all().delete()
media.unlink()
assert counts() != before

call_command("restore", str(Path(sys.argv[1]) / "b.tar.gz"), "--yes")
after = counts()
assert after == before, {t: (before[t], after[t]) for t in tables if before[t] != after[t]}
assert User.objects.filter(full_name="Nguyễn Văn 49").exists()
assert media.read_bytes() == b"%PDF-1.7 demo"
print("restored", sum(after.values()), "rows")
"""


def _run(tmp_path, *args, script=SCRIPT):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "REDIS_", "EMAIL_"))}
    env.pop("LMS_TESTING", None)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        DEBUG="1",
        SQLITE_PATH=str(tmp_path / "site.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_backup_then_restore_brings_back_every_row_and_file(tmp_path):
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "restored" in result.stdout


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    script = r"""
import django, sys, tarfile
from pathlib import Path
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
bogus = Path(sys.argv[1]) / "bogus.tar.gz"
with tarfile.open(bogus, "w:gz") as archive:
    archive.add(__file__ if False else sys.executable, arcname="python")
try:
    call_command("restore", str(bogus), "--yes")
except CommandError as error:
    print("refused:", error)
"""
    result = _run(tmp_path, script=script)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "is not a backup made by manage.py backup" in result.stdout
