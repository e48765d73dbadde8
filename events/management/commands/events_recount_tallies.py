"""Count the attendance report's tallies again from the rows (after a bulk insert that went around the models)."""

from django.core.management.base import BaseCommand

from events import tallies


class Command(BaseCommand):
    help = "Count the events' report tallies again from their registrations and attendances."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--event", type=int, action="append", help="only this event (repeatable); all by default")

    def handle(self, *args, event=None, **options) -> None:
        written = tallies.recount(event)
        if options["verbosity"]:
            self.stdout.write(f"{written} tally rows written.")
