from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from lms.backup import backup_restore


class Command(BaseCommand):
    help = "Replace the SQLite database and the media folder with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the .tar.gz written by manage.py backup")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the live data")

    def handle(self, *args, source, yes, **options):
        if not yes and input(f"Replace the current database and media with {source}? [y/N] ").lower() != "y":
            raise CommandError("Nothing restored.")
        try:
            counts = backup_restore(source=Path(source))
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Restored {sum(counts.values())} rows in {len(counts)} tables from {source}.")
