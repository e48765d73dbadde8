from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.imports import orgunits_import
from core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Import organisation units from an XLSX or CSV file with the columns Mã đơn vị, Tên đơn vị, "
        "Mã đơn vị cấp trên, Loại, Khối, cụm thi đua. Nothing is written if any row has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The .xlsx or .csv file to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and show what would change, without writing."
        )
        parser.add_argument(
            "--keep-as-typed",
            action="store_true",
            help="Do not convert text typed in a legacy Vietnamese font (TCVN3, VNI); the conversions are listed.",
        )

    def handle(self, *args, path: Path, dry_run: bool, keep_as_typed: bool, **options):
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        try:
            with path.open("rb") as file:
                result = orgunits_import(
                    file=file, filename=path.name, dry_run=dry_run, convert_rows=set() if keep_as_typed else None
                )
        except ServiceError as error:
            raise CommandError(error.message) from error

        for conversion in result.conversions:
            applied = conversion.row in result.converted_rows
            self.stdout.write(
                (_("Row %(row)d, “%(column)s”: “%(original)s” → “%(converted)s” (%(encoding)s)") if applied else
                 _("Row %(row)d, “%(column)s”: kept “%(original)s”, not “%(converted)s” (%(encoding)s)"))
                % {"row": conversion.row, "column": conversion.column, "original": conversion.original,
                   "converted": conversion.converted, "encoding": conversion.encoding.upper()}
            )  # fmt: skip
        if result.errors:
            for error in result.errors:
                self.stderr.write(
                    _("Row %(row)d, column “%(column)s”: %(message)s")
                    % {"row": error.row, "column": error.column, "message": error.message}
                )
            raise CommandError(_("%(count)d error(s) found; nothing was imported.") % {"count": len(result.errors)})

        if result.ignored_headers:
            self.stdout.write(_("Columns ignored: %(headers)s") % {"headers": ", ".join(result.ignored_headers)})
        for unit in result.units:
            if unit.action == "unchanged":
                continue
            action = _("create") if unit.action == "create" else _("update")
            self.stdout.write(
                _("Row %(row)d: %(action)s %(code)s — %(name)s")
                % {"row": unit.row, "action": action, "code": unit.code, "name": unit.name}
            )
        counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        if dry_run:
            self.stdout.write(
                _("Dry run, nothing written: %(created)d to create, %(updated)d to update, %(unchanged)d unchanged.")
                % counts
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % counts
                )
            )
