"""bench.settings with persistent SQLite connections: a proposed change, measured before it is made.

``lms.settings`` gives PostgreSQL ``conn_max_age=60`` but leaves SQLite at
Django's default of 0, so every request opens the database file and closes
it again; when the closing connection is the last one, SQLite checkpoints
the WAL and removes it, and the next request starts over. RESULTS.md has
the figures: ``bench/run.py --settings bench.settings_sqlite_persistent``.
"""

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 60
