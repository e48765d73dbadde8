"""Importing organisation units from a spreadsheet, all or nothing.

Every row is checked before anything is written; one error anywhere means
nothing is written and every error is reported with its row and column, so
the person fixes the file once instead of once per upload.

Meaning of the optional columns:

- "Mã đơn vị cấp trên" names the parent by code: a unit already in the system
  or another row of the file, in any order. An empty cell means a top-level
  unit. Without the column at all, existing units keep their parent and new
  units are top-level.
- "Loại": an empty cell means "Cơ quan, đơn vị" for a new unit and no change
  for an existing one (a unit always has a kind).
- "Khối, cụm thi đua": with the column present the file is the truth, so an
  empty cell clears it; without the column existing units keep theirs.

An existing code updates that unit's name, kind and cluster; moving a unit to
another parent is refused, because a unit's place in the tree decides who may
manage it and is changed deliberately in the admin.

Names, kinds and clusters typed in a legacy font (TCVN3, VNI) are repaired
as core.legacy_vn proposes, never silently: the preview lists each repair
next to the original and the person may refuse it per row or for the whole
file; the confirm applies the rows they kept. Both readings of a repaired
cell are checked, so whichever the person keeps can be written.
"""

from __future__ import annotations

import base64
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import BinaryIO

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, unit_code_validator
from accounts.services import orgunit_create, orgunit_update
from core.legacy_vn import Proposal, propose
from core.pending import Confirmation, pending_import_confirm, pending_import_create
from core.spreadsheets import Column, Row, Sheet, build_template, normalise_header, read_spreadsheet, read_upload
from core.text import collapse_spaces, control_characters

# A ministry with every unit and province department is a few hundred rows.
ORGUNIT_IMPORT_MAX_ROWS = 5000
ORGUNIT_IMPORT_MAX_BYTES = 2 * 1024 * 1024

# The labels units write in the "Loại" column: spreadsheet vocabulary, so
# Vietnamese whatever the interface language. The first is the template's.
KIND_SPREADSHEET_LABELS: dict[str, tuple[str, ...]] = {
    OrgUnit.Kind.MINISTRY: ("Bộ, ngành", "Bộ", "Ngành"),
    OrgUnit.Kind.PROVINCE: ("Tỉnh, thành phố", "Tỉnh", "Thành phố"),
    OrgUnit.Kind.DEPARTMENT: ("Sở, ban, ngành", "Sở"),
    OrgUnit.Kind.UNIT: ("Cơ quan, đơn vị", "Cơ quan", "Đơn vị"),
    OrgUnit.Kind.ENTERPRISE: ("Doanh nghiệp",),
    OrgUnit.Kind.OTHER: ("Khác",),
}

_NAME_MAX = OrgUnit._meta.get_field("name").max_length
_CLUSTER_MAX = OrgUnit._meta.get_field("cluster").max_length
# The free-text columns a legacy font may have garbled; codes are ASCII.
REPAIRED_COLUMNS = ("name", "kind", "cluster")
IMPORT_KIND = "accounts.orgunits"


def orgunit_columns() -> tuple[Column, ...]:
    """The import's columns; built per call so the help text follows the active language."""
    kinds = "; ".join(labels[0] for labels in KIND_SPREADSHEET_LABELS.values())
    return (
        Column(
            "code",
            ("Mã đơn vị", "Mã ĐV", "Mã"),
            required=True,
            example="STTTT-DNG",
            width=18,
            help=_(
                "Capital letters without accents, digits and . _ - (at most 40 characters). "
                "A code already in the system updates that unit."
            ),
        ),
        Column(
            "name",
            ("Tên đơn vị", "Tên ĐV", "Tên"),
            required=True,
            example="Sở Thông tin và Truyền thông Đà Nẵng",
            width=48,
            help=_("The full name of the unit."),
        ),
        Column(
            "parent_code",
            ("Mã đơn vị cấp trên", "Mã cấp trên", "Mã ĐV cấp trên"),
            example="BTTTT",
            width=20,
            help=_(
                "The code of the unit above it: a unit already in the system or another row of this file, "
                "in any order. Leave it empty for a top-level unit."
            ),
        ),
        Column(
            "kind",
            ("Loại", "Loại đơn vị"),
            example=KIND_SPREADSHEET_LABELS[OrgUnit.Kind.DEPARTMENT][0],
            width=18,
            help=_("One of: %(kinds)s. Empty means %(default)s for a new unit and no change for an existing one.")
            % {"kinds": kinds, "default": KIND_SPREADSHEET_LABELS[OrgUnit.Kind.UNIT][0]},
        ),
        Column(
            "cluster",
            ("Khối, cụm thi đua", "Khối thi đua", "Cụm thi đua", "Khối cụm thi đua"),
            example="Cụm thi đua các Sở Thông tin và Truyền thông",
            width=40,
            help=_("The emulation block or cluster the unit competes in. An empty cell clears it."),
        ),
    )


def orgunit_template() -> bytes:
    """The XLSX template offered for download, with a top-level unit and one under it."""
    return build_template(
        orgunit_columns(),
        sheet_title="Đơn vị",
        example_rows=[
            {
                "code": "BTTTT",
                "name": "Bộ Thông tin và Truyền thông",
                "kind": KIND_SPREADSHEET_LABELS[OrgUnit.Kind.MINISTRY][0],
            },
            {
                "code": "STTTT-DNG",
                "name": "Sở Thông tin và Truyền thông Đà Nẵng",
                "parent_code": "BTTTT",
                "kind": KIND_SPREADSHEET_LABELS[OrgUnit.Kind.DEPARTMENT][0],
                "cluster": "Cụm thi đua các Sở Thông tin và Truyền thông",
            },
        ],
    )


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass(frozen=True)
class PlannedUnit:
    """One row's outcome: what was (or, in a dry run, would be) done."""

    row: int
    code: str
    name: str
    parent_code: str  # "" for a top-level unit
    kind: str
    cluster: str
    action: str  # "create", "update" or "unchanged"
    changes: tuple[str, ...] = ()  # fields an update changes

    @property
    def kind_label(self) -> str:
        return OrgUnit.Kind(self.kind).label

    @property
    def change_labels(self) -> list[str]:
        return [str(OrgUnit._meta.get_field(name).verbose_name) for name in self.changes]


@dataclass(frozen=True)
class RowConversion:
    """A proposed repair of one cell, as the preview lists it."""

    row: int
    column: str  # the header as written in the file
    original: str
    converted: str
    encoding: str
    default: bool  # applied unless refused

    @property
    def ambiguous(self) -> bool:
        return not self.default


@dataclass
class OrgUnitImportResult:
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    units: list[PlannedUnit] = field(default_factory=list)
    conversions: list[RowConversion] = field(default_factory=list)
    converted_rows: list[int] = field(default_factory=list)  # the rows whose repairs were applied
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    filename: str = ""
    format: str = ""
    encoding: str | None = None
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def conversion_rows(self) -> list[tuple[int, bool, list[RowConversion]]]:
        """(row, applied, its repairs) for each row with a proposed repair."""
        by_row: dict[int, list[RowConversion]] = defaultdict(list)
        for conversion in self.conversions:
            by_row[conversion.row].append(conversion)
        return [(row, row in self.converted_rows, items) for row, items in sorted(by_row.items())]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> OrgUnitImportResult:
        data = dict(data)
        data["errors"] = [RowError(**error) for error in data["errors"]]
        data["units"] = [PlannedUnit(**{**unit, "changes": tuple(unit["changes"])}) for unit in data["units"]]
        data["conversions"] = [RowConversion(**conversion) for conversion in data["conversions"]]
        return cls(**data)


@dataclass
class _Entry:
    row: Row
    code: str
    name: str
    parent_code: str | None  # None: the file has no parent column
    kind: str | None  # None: keep (existing) or default (new)
    cluster: str | None  # None: the file has no cluster column


@transaction.atomic
def orgunits_import(
    *, file: bytes | BinaryIO, filename: str, dry_run: bool, convert_rows: set[int] | None = None
) -> OrgUnitImportResult:
    """Create and update units from an XLSX or CSV file; nothing is written if any row is wrong.

    Whole-file problems (format, size, a missing header) raise ServiceError.
    Validation and writing share one transaction, so a unit created by
    someone else in between cannot slip past the checks. ``convert_rows``
    are the rows whose legacy-font repairs apply; None means the proposed
    default (every repair that is not only a guess).
    """
    columns = orgunit_columns()
    sheet = read_spreadsheet(
        file,
        filename=filename,
        columns=columns,
        max_bytes=ORGUNIT_IMPORT_MAX_BYTES,
        max_rows=ORGUNIT_IMPORT_MAX_ROWS,
    )
    result = OrgUnitImportResult(
        dry_run=dry_run,
        filename=filename,
        format=sheet.format,
        encoding=sheet.encoding,
        ignored_headers=sheet.ignored_headers,
    )
    proposals = propose(
        ((row.number, key), row[key]) for row in sheet.rows for key in REPAIRED_COLUMNS if sheet.has_column(key)
    )
    result.conversions = [
        RowConversion(number, sheet.header(key, columns), p.original, p.converted, p.encoding, p.default)
        for (number, key), p in sorted(
            proposals.items(), key=lambda item: (item[0][0], REPAIRED_COLUMNS.index(item[0][1]))
        )
    ]
    if convert_rows is None:
        convert_rows = {c.row for c in result.conversions} - {c.row for c in result.conversions if not c.default}
    result.converted_rows = sorted(convert_rows & {c.row for c in result.conversions})
    checker = _Checker(sheet, columns, proposals)
    entries = checker.parse_rows(_repaired_rows(sheet.rows, proposals, set(result.converted_rows)))
    existing, existing_parent = _existing_units(entries)
    checker.check_tree(entries, existing, existing_parent)
    if checker.errors:
        result.errors = sorted(checker.errors, key=lambda error: error.row)
        return result

    result.units = _plan(entries, existing, existing_parent)
    result.created = sum(unit.action == "create" for unit in result.units)
    result.updated = sum(unit.action == "update" for unit in result.units)
    result.unchanged = sum(unit.action == "unchanged" for unit in result.units)
    if not dry_run:
        _write(result.units)
        result.written = True
    return result


def _repaired_rows(rows: list[Row], proposals: dict, convert_rows: set[int]) -> list[Row]:
    repaired = []
    for row in rows:
        if row.number in convert_rows:
            values = {key: proposals[row.number, key].converted if (row.number, key) in proposals else value
                      for key, value in row.values.items()}  # fmt: skip
            row = replace(row, values=values)
        repaired.append(row)
    return repaired


def orgunits_import_stage(*, data: bytes, filename: str, actor_id: int) -> str:
    """Keep a previewed file for its confirm; returns the one-time token."""
    payload = {"filename": filename, "data": base64.b64encode(zlib.compress(data)).decode("ascii")}
    return pending_import_create(kind=IMPORT_KIND, actor_id=actor_id, data=data, payload=payload)


def orgunits_import_confirm(
    *, token: str, actor_id: int, convert_rows: set[int]
) -> tuple[Confirmation, OrgUnitImportResult | None]:
    """Import the previewed file once, with the person's choice of repairs; a repeated confirm
    gets the first one's result. The file is checked again: units may have changed since."""

    def run(payload: dict) -> dict:
        data = zlib.decompress(base64.b64decode(payload["data"]))
        result = orgunits_import(file=data, filename=payload["filename"], dry_run=False, convert_rows=convert_rows)
        return result.to_json()

    confirmation = pending_import_confirm(token=token, kind=IMPORT_KIND, actor_id=actor_id, run=run)
    result = OrgUnitImportResult.from_json(confirmation.result) if confirmation.result is not None else None
    return confirmation, result


def read_orgunit_upload(file: bytes | BinaryIO) -> bytes:
    return read_upload(file, max_bytes=ORGUNIT_IMPORT_MAX_BYTES)


class _Checker:
    def __init__(self, sheet: Sheet, columns: tuple[Column, ...], proposals: dict[tuple[int, str], Proposal]):
        self.sheet = sheet
        self.columns = columns
        self.proposals = proposals
        self.errors: list[RowError] = []
        self.kinds = _kind_lookup()

    def error(self, row: Row, key: str, code: str, message: str) -> None:
        self.errors.append(RowError(row.number, self.sheet.header(key, self.columns), code, message))

    def parse_rows(self, rows: list[Row]) -> dict[str, _Entry]:
        """Check each row on its own; returns the usable rows by code (first occurrence wins)."""
        entries: dict[str, _Entry] = {}
        has_parent = self.sheet.has_column("parent_code")
        has_kind = self.sheet.has_column("kind")
        has_cluster = self.sheet.has_column("cluster")
        for row in rows:
            self.text(row)
            code = self.code(row, "code")
            name = collapse_spaces(row["name"])
            if not name:
                self.error(row, "name", "name_required", _("Enter the unit name."))
            elif len(name) > _NAME_MAX:
                self.error(
                    row, "name", "name_too_long", _("The name is longer than %(max)d characters.") % {"max": _NAME_MAX}
                )
            # A malformed parent code comes back as None, like a missing
            # column; it is an error already, so the tree checks may skip it.
            parent_code = self.code(row, "parent_code") if has_parent else None
            if code and parent_code == code:
                self.error(row, "parent_code", "parent_self", _("A unit cannot be its own parent."))
                parent_code = ""
            kind = self.kind(row) if has_kind else None
            cluster = collapse_spaces(row["cluster"]) if has_cluster else None
            if cluster and len(cluster) > _CLUSTER_MAX:
                self.error(
                    row,
                    "cluster",
                    "cluster_too_long",
                    _("The emulation block or cluster is longer than %(max)d characters.") % {"max": _CLUSTER_MAX},
                )
            if not code:
                continue
            if code in entries:
                self.error(
                    row,
                    "code",
                    "code_duplicate",
                    _("Unit code %(code)s already appears on row %(row)d.")
                    % {"code": code, "row": entries[code].row.number},
                )
                continue
            entries[code] = _Entry(row, code, name, parent_code, kind, cluster)
        return entries

    def text(self, row: Row) -> None:
        """Control characters anywhere, and the free text's length in both readings of a repaired cell."""
        for key, value in row.values.items():
            readings = {value}
            if (row.number, key) in self.proposals:
                readings |= {self.proposals[row.number, key].original, self.proposals[row.number, key].converted}
            found = sorted({ch for text in readings for ch in control_characters(text)})
            if found:
                self.error(
                    row,
                    key,
                    "control_characters",
                    _("The cell contains control characters (%(characters)s); retype it.")
                    % {"characters": ", ".join(found)},
                )
            limit = {"name": _NAME_MAX, "cluster": _CLUSTER_MAX}.get(key)
            # The value chosen now is checked below; the other reading must fit too.
            if limit and len(collapse_spaces(value)) <= limit < max(len(collapse_spaces(t)) for t in readings):
                self.error(
                    row,
                    key,
                    "text_too_long",
                    _("Kept as typed, the text is longer than %(max)d characters.") % {"max": limit},
                )

    def code(self, row: Row, key: str) -> str | None:
        """The cell as a unit code; "" if empty, None (and an error) if malformed."""
        raw = row[key]
        code = raw.upper()
        if not code:
            if key == "code":
                self.error(row, key, "code_required", _("Enter the unit code."))
                return None
            return ""
        if not unit_code_validator.regex.match(code):
            self.error(
                row,
                key,
                "code_invalid",
                _(
                    "“%(code)s” is not a valid unit code: use capital letters without accents, digits "
                    "and . _ - only (at most 40 characters)."
                )
                % {"code": raw},
            )
            return None
        return code

    def kind(self, row: Row) -> str | None:
        value = row["kind"]
        if not value:
            return None
        kind = self.kinds.get(normalise_header(value))
        if kind is None:
            choices = "; ".join(labels[0] for labels in KIND_SPREADSHEET_LABELS.values())
            self.error(
                row,
                "kind",
                "kind_unknown",
                _("“%(value)s” is not a unit kind. Use one of: %(choices)s.") % {"value": value, "choices": choices},
            )
        return kind

    def check_tree(
        self, entries: dict[str, _Entry], existing: dict[str, OrgUnit], existing_parent: dict[str, str]
    ) -> None:
        top_level = _("the top level")
        for entry in entries.values():
            parent_code = entry.parent_code
            if parent_code and parent_code not in entries and parent_code not in existing:
                self.error(
                    entry.row,
                    "parent_code",
                    "parent_unknown",
                    _("No unit has the code %(code)s, in the system or in this file.") % {"code": parent_code},
                )
            if entry.code in existing and parent_code is not None:
                current = existing_parent[entry.code]
                if parent_code != current:
                    self.error(
                        entry.row,
                        "parent_code",
                        "parent_change",
                        _(
                            "Unit %(code)s already exists under %(current)s; this file would move it under "
                            "%(new)s. Move units in the admin, or correct the file."
                        )
                        % {"code": entry.code, "current": current or top_level, "new": parent_code or top_level},
                    )
        self.check_cycles(entries, existing)

    def check_cycles(self, entries: dict[str, _Entry], existing: dict[str, OrgUnit]) -> None:
        # Existing units' ancestry is a tree already and moving them is
        # refused above, so a loop can only run through new rows.
        def parent_of(code: str) -> str | None:
            parent = entries[code].parent_code
            if parent and parent in entries and parent not in existing:
                return parent
            return None

        done: set[str] = set()
        for start in entries:
            if start in existing or start in done:
                continue
            path: list[str] = []
            on_path: set[str] = set()
            code: str | None = start
            while code is not None and code not in done and code not in on_path:
                path.append(code)
                on_path.add(code)
                code = parent_of(code)
            if code is not None and code in on_path:
                loop = path[path.index(code) :]
                shown = " → ".join([*loop, code])
                for member in loop:
                    self.error(
                        entries[member].row,
                        "parent_code",
                        "parent_cycle",
                        _("The parent codes form a loop: %(loop)s.") % {"loop": shown},
                    )
            done.update(path)


def _kind_lookup() -> dict[str, str]:
    """Folded label -> kind: the spreadsheet labels, then the interface's in each language."""
    lookup: dict[str, str] = {}
    for kind, labels in KIND_SPREADSHEET_LABELS.items():
        for label in labels:
            lookup.setdefault(normalise_header(label), kind)
    for kind in OrgUnit.Kind:
        lookup.setdefault(normalise_header(kind.value), kind.value)
        for language in ("vi", "en"):
            with translation.override(language):
                lookup.setdefault(normalise_header(str(kind.label)), kind.value)
    return lookup


def _existing_units(entries: dict[str, _Entry]) -> tuple[dict[str, OrgUnit], dict[str, str]]:
    """Units in the system named by the file (as a row or a parent), and each one's parent code."""
    codes = set(entries) | {entry.parent_code for entry in entries.values() if entry.parent_code}
    existing = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
    parent_paths = {unit.path[: -OrgUnit.steplen] for unit in existing.values() if unit.depth > 1}
    code_by_path = dict(OrgUnit.objects.filter(path__in=parent_paths).values_list("path", "code"))
    existing_parent = {
        code: code_by_path[unit.path[: -OrgUnit.steplen]] if unit.depth > 1 else "" for code, unit in existing.items()
    }
    return existing, existing_parent


def _plan(
    entries: dict[str, _Entry], existing: dict[str, OrgUnit], existing_parent: dict[str, str]
) -> list[PlannedUnit]:
    planned = []
    for entry in entries.values():
        unit = existing.get(entry.code)
        if unit is None:
            planned.append(
                PlannedUnit(
                    row=entry.row.number,
                    code=entry.code,
                    name=entry.name,
                    parent_code=entry.parent_code or "",
                    kind=entry.kind or OrgUnit.Kind.UNIT,
                    cluster=entry.cluster or "",
                    action="create",
                )
            )
            continue
        new = {
            "name": entry.name,
            "kind": entry.kind if entry.kind is not None else unit.kind,
            "cluster": entry.cluster if entry.cluster is not None else unit.cluster,
        }
        changes = tuple(name for name, value in new.items() if getattr(unit, name) != value)
        planned.append(
            PlannedUnit(
                row=entry.row.number,
                code=entry.code,
                parent_code=existing_parent[entry.code],
                action="update" if changes else "unchanged",
                changes=changes,
                **new,
            )
        )
    return planned


def _write(planned: list[PlannedUnit]) -> None:
    creating = {unit.code: unit for unit in planned if unit.action == "create"}
    children: dict[str, list[PlannedUnit]] = defaultdict(list)
    attached: list[PlannedUnit] = []
    for unit in creating.values():
        if unit.parent_code in creating:
            children[unit.parent_code].append(unit)
        else:
            attached.append(unit)

    # Treebeard places a unit among existing siblings one query at a time,
    # about fifteen queries a unit. Only units hung on the existing tree need
    # that; the new units under them form fresh subtrees whose paths are
    # computed here and written in bulk, so a file of thousands of rows
    # imports in seconds.
    for unit in sorted(attached, key=lambda unit: (unit.name, unit.row)):
        # Fetched afresh each time: an insert into a sorted tree can shift
        # siblings' paths and changes the parent's child count.
        parent = OrgUnit.objects.get(code=unit.parent_code) if unit.parent_code else None
        top = orgunit_create(code=unit.code, name=unit.name, parent=parent, kind=unit.kind, cluster=unit.cluster)
        _create_subtree(top, children)

    for unit in planned:
        if unit.action != "update":
            continue
        orgunit_update(unit=OrgUnit.objects.get(code=unit.code), name=unit.name, kind=unit.kind, cluster=unit.cluster)


def _create_subtree(top: OrgUnit, children: dict[str, list[PlannedUnit]]) -> None:
    """Bulk-create the new units under the new unit ``top``, each level sorted by name."""
    nodes: list[OrgUnit] = []
    pending = [(top.code, top.path, top.depth)]
    while pending:
        code, path, depth = pending.pop()
        for step, unit in enumerate(sorted(children.get(code, ()), key=lambda unit: (unit.name, unit.row)), start=1):
            # The same path treebeard would give the step-th child of ``path``.
            child_path = OrgUnit._get_path(path, depth + 1, step)
            nodes.append(
                OrgUnit(
                    code=unit.code,
                    name=unit.name,
                    kind=unit.kind,
                    cluster=unit.cluster,
                    path=child_path,
                    depth=depth + 1,
                    numchild=len(children.get(unit.code, ())),
                )
            )
            pending.append((unit.code, child_path, depth + 1))
    if nodes:
        OrgUnit.objects.bulk_create(nodes, batch_size=500)
        OrgUnit.objects.filter(pk=top.pk).update(numchild=len(children[top.code]))
