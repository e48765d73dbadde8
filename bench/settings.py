"""The production settings, with static files collected into a throwaway folder.

``lms.settings`` puts STATIC_ROOT in the checkout (``staticfiles/``); the
benchmark collects into its own temporary directory instead, so it never
touches a checkout that someone else may be serving from. Nothing else
differs from production.
"""

import os
from pathlib import Path

from lms.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
