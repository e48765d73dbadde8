"""Count the attendance report's tallies again from the rows (after a bulk insert that went around the models).

``--check`` only compares, and fails when a tally differs from a fresh count.
"""

from django.core.management.base import BaseCommand, CommandError

from events import tallies


class Command(BaseCommand):
    help = "Count the events' report tallies again from their registrations and attendances (--check: compare only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--event", type=int, action="append", help="only this event (repeatable); all by default")
        parser.add_argument("--check", action="store_true", help="compare with a fresh count; change nothing")

    def handle(self, *args, event=None, check: bool = False, **options) -> None:
        if check:
            kept, fresh = tallies.stored_counts(event), tallies.fresh_counts(event)
            differences = sorted(key for key in kept.keys() | fresh.keys() if kept[key] != fresh[key])
            for key in differences[:20]:
                self.stdout.write(
                    f"event/unit/session/status {'/'.join(map(str, key))}: kept {kept[key]}, counted {fresh[key]}"
                )
            if differences:
                raise CommandError(f"{len(differences)} tallies differ from the rows; run events_recount_tallies.")
            if options["verbosity"]:
                self.stdout.write("The tallies equal a fresh count.")
            return
        written = tallies.recount(event)
        if options["verbosity"]:
            self.stdout.write(f"{written} tally rows written.")
