from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from lms.backup import backup_create


class Command(BaseCommand):
    help = "Back up the SQLite database (online, consistent) and the media folder into one .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", default="backups", help="a folder, or a path ending in .tar.gz")

    def handle(self, *args, destination, **options):
        try:
            path = backup_create(destination=Path(destination))
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Backup written: {path}")
