"""Demo content for `make run`: depends on every app, and nothing depends on it.

`manage.py seed_demo` loads each module below in this order (units and
accounts before the pages, courses and events that refer to them). A
production site may leave `demo` out of INSTALLED_APPS.
"""

MODULES = ("accounts", "cms", "quizzes", "certificates", "courses", "events")
