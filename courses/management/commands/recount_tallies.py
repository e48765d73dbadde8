"""Recount the unit report's tallies from the enrolments (courses.tallies.tally_recount).

Needed after writes that bypass the courses services (bulk loads by COPY,
manual SQL); ``--check`` only compares, and fails when a tally differs.
"""

from django.core.management.base import BaseCommand, CommandError

from courses.tallies import tally_differences, tally_recount


class Command(BaseCommand):
    help = "Recount the course report tallies per unit from the enrolments (--check: compare only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--course", type=int, help="only this course (its page id)")
        parser.add_argument("--check", action="store_true", help="compare with a fresh count; change nothing")

    def handle(self, *args, course: int | None = None, check: bool = False, **options) -> None:
        if check:
            differences = tally_differences(course_id=course)
            for (course_id, unit_id), kept, fresh in differences[:20]:
                self.stdout.write(f"course {course_id}, unit {unit_id}: kept {kept}, counted {fresh}")
            if differences:
                raise CommandError(f"{len(differences)} tallies differ from the enrolments; run recount_tallies.")
            self.stdout.write("The tallies equal a fresh count.")
            return
        kept = tally_recount(course_id=course)
        self.stdout.write(f"Recounted: {kept} tallies.")
