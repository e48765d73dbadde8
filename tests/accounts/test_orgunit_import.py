import csv
import io
import unicodedata

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from accounts.imports import orgunits_import
from accounts.models import OrgUnit
from accounts.roles import Role
from core.errors import ServiceError
from tests.factories import OrgUnitFactory, UserFactory
from tests.quizzes.test_concurrency import on_postgresql  # noqa: F401 - a fixture

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Khối, cụm thi đua"]
DANANG = "Sở Thông tin và Truyền thông Đà Nẵng"


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run(data: bytes, *, dry_run=False, filename="don-vi.xlsx"):
    return orgunits_import(file=data, filename=filename, dry_run=dry_run)


def tree() -> list[tuple[str, int, str]]:
    """(code, depth, parent code) in tree order."""
    return [
        (unit.code, unit.depth, unit.get_parent().code if unit.depth > 1 else "")
        for unit in OrgUnit.objects.order_by("path")
    ]


def errors_of(result) -> set[tuple[int, str, str]]:
    return {(error.row, error.column, error.code) for error in result.errors}


# --- the service --------------------------------------------------------------


@pytest.mark.django_db
def test_parents_defined_later_in_the_file_are_created_first():
    result = run(
        xlsx(
            [
                ["STTTT-DNG", DANANG, "btttt", "sở, ban, ngành", "Cụm miền Trung"],
                ["VNPT-DNG", "Trung tâm Kinh doanh VNPT Đà Nẵng", "STTTT-DNG", "DOANH NGHIEP", ""],
                ["BTTTT", "Bộ Thông tin  và Truyền thông", "", "Bo, nganh", ""],
                ["HN", "Thành phố Hà Nội", "", "", ""],
            ]
        )
    )
    assert result.ok and result.written
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert tree() == [
        ("BTTTT", 1, ""),
        ("STTTT-DNG", 2, "BTTTT"),
        ("VNPT-DNG", 3, "STTTT-DNG"),
        ("HN", 1, ""),
    ]
    danang = OrgUnit.objects.get(code="STTTT-DNG")
    assert (danang.kind, danang.cluster) == (OrgUnit.Kind.DEPARTMENT, "Cụm miền Trung")
    assert OrgUnit.objects.get(code="VNPT-DNG").kind == OrgUnit.Kind.ENTERPRISE
    assert OrgUnit.objects.get(code="BTTTT").name == "Bộ Thông tin và Truyền thông"
    assert OrgUnit.objects.get(code="HN").kind == OrgUnit.Kind.UNIT  # empty kind: the default


@pytest.mark.django_db
def test_a_long_chain_in_reverse_order_is_built():
    rows = [[f"C{i}", f"Cấp {i}", f"C{i - 1}" if i else "", "", ""] for i in range(6)]
    run(csv_bytes(list(reversed(rows))), filename="a.csv")
    assert [depth for _code, depth, _parent in tree()] == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_a_big_file_builds_a_sound_tree_in_few_queries(django_assert_max_num_queries):
    OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông")
    rows = [["STTTT", "Các Sở", "BTTTT", "", ""]]
    rows += [[f"P{i}", f"Tỉnh {99 - i:02d}", "STTTT", "", ""] for i in range(60)]
    rows += [[f"U{i}", f"Đơn vị {(i * 7) % 1000:03d}", f"P{i % 60}", "", ""] for i in range(1200)]
    data = xlsx(list(reversed(rows)))
    # Each unit placed through treebeard costs about fifteen queries.
    with django_assert_max_num_queries(100):
        result = run(data)
    assert result.created == len(rows)
    assert OrgUnit.find_problems() == ([], [], [], [], [])
    for unit in OrgUnit.objects.all():
        names = [child.name for child in unit.get_children()]
        assert names == sorted(names)
        assert unit.numchild == len(names)
    assert OrgUnit.objects.get(code="U61").get_parent().code == "P1"
    # Treebeard keeps working on the bulk-built subtree.
    OrgUnit.objects.get(code="P1").add_child(code="MOI", name="Đơn vị 000")
    names = [child.name for child in OrgUnit.objects.get(code="P1").get_children()]
    assert names[0] == "Đơn vị 000" and names == sorted(names)


@pytest.mark.django_db
def test_decomposed_names_are_stored_nfc():
    decomposed = unicodedata.normalize("NFD", DANANG)
    run(
        csv_bytes([["STTTT-DNG", decomposed, "", "", unicodedata.normalize("NFD", "Cụm miền Trung")]]), filename="a.csv"
    )
    unit = OrgUnit.objects.get(code="STTTT-DNG")
    assert unit.name == DANANG
    assert unit.cluster == "Cụm miền Trung"


@pytest.mark.django_db
def test_good_and_bad_rows_write_nothing_and_every_error_has_its_row_and_column():
    OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông")
    result = run(
        xlsx(
            [
                ["STTTT-DNG", DANANG, "BTTTT", "", ""],  # 2: good
                ["SỞ-ĐN", "Sở có dấu", "BTTTT", "", ""],  # 3: accented code
                ["STTTT-HUE", "", "BTTTT", "", ""],  # 4: no name
                ["", "Không có mã", "BTTTT", "", ""],  # 5: no code
                ["stttt-dng", "Trùng mã", "BTTTT", "", ""],  # 6: duplicate of row 2 (case-insensitive)
                ["STTTT-QNA", "Sở Quảng Nam", "KHONG-CO", "", ""],  # 7: unknown parent
                ["STTTT-QNG", "Sở Quảng Ngãi", "BTTTT", "Phường", ""],  # 8: unknown kind
                ["STTTT-KH", "Sở Khánh Hòa", "BTTTT", "", "x" * 121],  # 9: cluster too long
                ["STTTT-BD", "Sở Bình Định", "SAI MA", "", ""],  # 10: malformed parent code
            ]
        )
    )
    assert not result.ok
    assert not result.written
    assert result.units == []
    assert errors_of(result) == {
        (3, "Mã đơn vị", "code_invalid"),
        (4, "Tên đơn vị", "name_required"),
        (5, "Mã đơn vị", "code_required"),
        (6, "Mã đơn vị", "code_duplicate"),
        (7, "Mã đơn vị cấp trên", "parent_unknown"),
        (8, "Loại", "kind_unknown"),
        (9, "Khối, cụm thi đua", "cluster_too_long"),
        (10, "Mã đơn vị cấp trên", "code_invalid"),
    }
    assert [error.row for error in result.errors] == sorted(error.row for error in result.errors)
    duplicate = next(error for error in result.errors if error.code == "code_duplicate")
    assert "2" in duplicate.message  # the row of the first occurrence
    assert list(OrgUnit.objects.values_list("code", flat=True)) == ["BTTTT"]


@pytest.mark.django_db
def test_error_columns_use_the_header_as_written():
    result = run(csv_bytes([["", "Tên"]], headers=["MA DON VI", "ten don vi"]), filename="a.csv")
    assert errors_of(result) == {(2, "MA DON VI", "code_required")}


@pytest.mark.django_db
def test_a_cycle_is_reported_on_each_row_in_it():
    OrgUnitFactory(code="BTTTT", name="Bộ")
    result = run(
        xlsx(
            [
                ["A", "Đơn vị A", "B", "", ""],
                ["B", "Đơn vị B", "C", "", ""],
                ["C", "Đơn vị C", "A", "", ""],
                ["D", "Đơn vị D", "A", "", ""],  # hangs off the loop but is not in it
                ["E", "Đơn vị E", "E", "", ""],  # its own parent
                ["F", "Đơn vị F", "BTTTT", "", ""],
            ]
        )
    )
    assert errors_of(result) == {
        (2, "Mã đơn vị cấp trên", "parent_cycle"),
        (3, "Mã đơn vị cấp trên", "parent_cycle"),
        (4, "Mã đơn vị cấp trên", "parent_cycle"),
        (6, "Mã đơn vị cấp trên", "parent_self"),
    }
    assert "A → B → C → A" in result.errors[0].message
    assert OrgUnit.objects.count() == 1


@pytest.mark.django_db
def test_existing_units_are_updated_and_moved_into_name_order():
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông", kind="ministry")
    OrgUnitFactory(code="A", name="An", parent=ministry, kind="unit")
    OrgUnitFactory(code="B", name="Bình", parent=ministry, kind="unit", cluster="Cụm cũ")
    result = run(
        xlsx(
            [
                ["BTTTT", "Bộ Thông tin và Truyền thông", "", "Bộ, ngành", ""],
                ["A", "Xuân", "BTTTT", "", ""],
                ["B", "Bình", "BTTTT", "Doanh nghiệp", "Cụm mới"],
                ["C", "Cẩm", "BTTTT", "", ""],
            ]
        )
    )
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    actions = {unit.code: (unit.action, unit.changes) for unit in result.units}
    assert actions == {
        "BTTTT": ("unchanged", ()),
        "A": ("update", ("name",)),
        "B": ("update", ("kind", "cluster")),
        "C": ("create", ()),
    }
    a = OrgUnit.objects.get(code="A")
    assert (a.name, a.kind) == ("Xuân", OrgUnit.Kind.UNIT)  # empty kind keeps the existing one
    b = OrgUnit.objects.get(code="B")
    assert (b.kind, b.cluster) == (OrgUnit.Kind.ENTERPRISE, "Cụm mới")
    # Siblings stay in name order in the tree: Bình, Cẩm, Xuân.
    assert [code for code, _depth, _parent in tree()] == ["BTTTT", "B", "C", "A"]
    assert OrgUnit.objects.get(code="BTTTT").numchild == 3


@pytest.mark.django_db
def test_renaming_the_only_top_level_unit():
    OrgUnitFactory(code="BTTTT", name="Bộ cũ")
    assert run(xlsx([["BTTTT", "Bộ mới", "", "", ""]])).updated == 1
    assert OrgUnit.objects.get(code="BTTTT").name == "Bộ mới"
    assert OrgUnit.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_moving_an_existing_unit_is_refused():
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ")
    OrgUnitFactory(code="HN", name="Hà Nội")
    OrgUnitFactory(code="A", name="An", parent=ministry)
    result = run(
        xlsx(
            [
                ["A", "An", "HN", "", ""],  # another parent
                ["BTTTT", "Bộ", "HN", "", ""],  # a root put under another unit
                ["HN", "Hà Nội", "", "", ""],  # same (top level): fine
            ]
        )
    )
    assert errors_of(result) == {(2, "Mã đơn vị cấp trên", "parent_change"), (3, "Mã đơn vị cấp trên", "parent_change")}
    assert "BTTTT" in result.errors[0].message and "HN" in result.errors[0].message
    assert tree() == [("BTTTT", 1, ""), ("A", 2, "BTTTT"), ("HN", 1, "")]


@pytest.mark.django_db
def test_an_empty_parent_cell_for_a_child_unit_is_a_move():
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ")
    OrgUnitFactory(code="A", name="An", parent=ministry)
    result = run(xlsx([["A", "An mới", "", "", ""]]))
    assert errors_of(result) == {(2, "Mã đơn vị cấp trên", "parent_change")}


@pytest.mark.django_db
def test_without_parent_and_cluster_columns_existing_units_keep_theirs():
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ")
    OrgUnitFactory(code="A", name="An", parent=ministry, cluster="Cụm 1")
    result = run(xlsx([["A", "An mới"], ["N", "Mới"]], headers=["Mã đơn vị", "Tên đơn vị"]))
    assert result.ok
    a = OrgUnit.objects.get(code="A")
    assert (a.name, a.cluster, a.get_parent().code) == ("An mới", "Cụm 1", "BTTTT")
    assert OrgUnit.objects.get(code="N").is_root()


@pytest.mark.django_db
def test_dry_run_previews_and_writes_nothing():
    OrgUnitFactory(code="BTTTT", name="Bộ cũ")
    result = run(
        xlsx([["BTTTT", "Bộ Thông tin và Truyền thông", "", "", ""], ["STTTT-DNG", DANANG, "BTTTT", "", ""]]),
        dry_run=True,
    )
    assert result.ok and result.dry_run and not result.written
    assert (result.created, result.updated) == (1, 1)
    assert [(unit.row, unit.code, unit.action, unit.parent_code) for unit in result.units] == [
        (2, "BTTTT", "update", ""),
        (3, "STTTT-DNG", "create", "BTTTT"),
    ]
    assert list(OrgUnit.objects.values_list("code", "name")) == [("BTTTT", "Bộ cũ")]


@pytest.mark.django_db
def test_whole_file_problems_raise():
    with pytest.raises(ServiceError) as caught:
        run(xlsx([["A", "B"]], headers=["Mã đơn vị", "Cấp trên"]))
    assert caught.value.code == "missing_columns"
    assert "Tên đơn vị" in caught.value.message


# --- the management command -------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_and_dry_runs(tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx([["STTTT-DNG", DANANG, "BTTTT", "", ""], ["BTTTT", "Bộ", "", "", ""]]))
    out = io.StringIO()
    call_command("import_orgunits", str(path), "--dry-run", stdout=out)
    assert OrgUnit.objects.count() == 0
    assert "STTTT-DNG" in out.getvalue()
    call_command("import_orgunits", str(path), stdout=out)
    assert tree() == [("BTTTT", 1, ""), ("STTTT-DNG", 2, "BTTTT")]


@pytest.mark.django_db
def test_command_prints_errors_with_rows_and_fails(tmp_path):
    path = tmp_path / "don-vi.csv"
    path.write_bytes(csv_bytes([["A", "Một", "", "", ""], ["A", "Trùng", "", "", ""], ["B", "", "", "", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2"):
        call_command("import_orgunits", str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 2
    assert "3" in lines[0] and "Mã đơn vị" in lines[0]
    assert "4" in lines[1] and "Tên đơn vị" in lines[1]
    assert OrgUnit.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_a_non_spreadsheet(tmp_path):
    path = tmp_path / "don-vi.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError):
        call_command("import_orgunits", str(path))


# --- the Wagtail admin ------------------------------------------------------------


def with_mfa(user):
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def admin_client(client, make_staff):
    client.force_login(with_mfa(make_staff(Role.ADMIN)))
    return client


def upload(client, data, filename="don-vi.xlsx"):
    return client.post("/admin/orgunits/import/", {"file": SimpleUploadedFile(filename, data)})


@pytest.mark.django_db
def test_admin_import_shows_every_error_with_its_row(admin_client):
    OrgUnitFactory(code="BTTTT", name="Bộ")
    response = upload(
        admin_client,
        xlsx([["STTTT-DNG", DANANG, "BTTTT", "", ""], ["X", "", "KHONG-CO", "", ""]]),
    )
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert {(error.row, error.column) for error in errors} == {(3, "Tên đơn vị"), (3, "Mã đơn vị cấp trên")}
    body = response.content.decode()
    assert 'id="import-errors"' in body
    assert "<td>3</td>" in body
    assert "KHONG-CO" in body
    assert 'name="confirm"' not in body
    assert OrgUnit.objects.count() == 1


@pytest.mark.django_db
def test_admin_import_previews_then_confirms(admin_client):
    OrgUnitFactory(code="BTTTT", name="Bộ")
    response = upload(admin_client, xlsx([["STTTT-DNG", DANANG, "BTTTT", "Sở, ban, ngành", ""]]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="import-rows"' in body and DANANG in body
    assert 'name="confirm"' in body
    assert OrgUnit.objects.count() == 1  # a preview writes nothing

    token = response.context["token"]
    response = admin_client.post("/admin/orgunits/import/", {"confirm": "1", "token": token})
    assert response.status_code == 200
    assert response.context["stage"] == "done"
    assert response.context["result"].created == 1
    assert tree() == [("BTTTT", 1, ""), ("STTTT-DNG", 2, "BTTTT")]

    # A second confirm imports nothing more and shows the first one's result.
    response = admin_client.post("/admin/orgunits/import/", {"confirm": "1", "token": token})
    assert response.status_code == 200
    assert response.context["repeated"] is True and response.context["result"].created == 1
    assert "Đợt nhập này đã được xác nhận trước đó; không lưu thêm gì." in response.content.decode()
    assert OrgUnit.objects.count() == 2


@pytest.mark.django_db
def test_admin_confirm_needs_the_previewed_token(admin_client):
    upload(admin_client, xlsx([["A", "Một", "", "", ""]]))
    response = admin_client.post("/admin/orgunits/import/", {"confirm": "1", "token": "doan-mo"})
    assert response.status_code == 302
    assert OrgUnit.objects.count() == 0


@pytest.mark.django_db
def test_admin_import_refuses_a_non_spreadsheet(admin_client):
    response = upload(admin_client, b"%PDF-1.4 not a sheet", filename="don-vi.pdf")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "token" not in response.context


@pytest.mark.django_db
def test_admin_template_download_reads_back_as_a_valid_import(admin_client):
    response = admin_client.get("/admin/orgunits/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.active[1]] == HEADERS
    result = orgunits_import(file=response.content, filename="mau.xlsx", dry_run=True)
    assert result.ok and result.created == 2


@pytest.mark.django_db
def test_organiser_may_import(client, make_staff):
    client.force_login(with_mfa(make_staff(Role.ORGANISER)))
    assert client.get("/admin/orgunits/import/").status_code == 200
    assert client.get("/admin/orgunits/").status_code == 200


@pytest.mark.django_db
def test_editor_may_not_import_or_manage_units(client, make_staff):
    # Wagtail turns PermissionDenied inside the admin into a redirect to the
    # dashboard with a "no permission" message.
    client.force_login(with_mfa(make_staff(Role.EDITOR)))
    for url in ["/admin/orgunits/import/", "/admin/orgunits/import/template.xlsx", "/admin/orgunits/"]:
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
    response = client.post("/admin/orgunits/import/", {"file": SimpleUploadedFile("a.xlsx", xlsx([["A", "B"]]))})
    assert (response.status_code, response.get("Location")) == (302, "/admin/")
    assert OrgUnit.objects.count() == 0


@pytest.mark.django_db
def test_trainee_is_kept_out(client, trainee):
    client.force_login(trainee)
    # accounts' staff middleware refuses a signed-in person without admin access before Wagtail sees them.
    assert client.get("/admin/orgunits/import/").status_code == 403
    response = client.post("/admin/orgunits/import/", {"file": SimpleUploadedFile("a.xlsx", xlsx([["A", "B"]]))})
    assert response.status_code == 403
    assert OrgUnit.objects.count() == 0


@pytest.mark.django_db
def test_staff_without_mfa_are_sent_to_set_it_up(client, make_staff):
    client.force_login(make_staff(Role.ADMIN))
    response = client.get("/admin/orgunits/import/")
    assert response.status_code == 302
    assert "totp" in response["Location"]


@pytest.mark.django_db
def test_admin_listing_is_in_tree_order_and_search_ignores_accents(admin_client):
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ Thông tin và Truyền thông")
    OrgUnitFactory(code="STTTT-DNG", name=DANANG, parent=ministry, cluster="Cụm miền Trung")
    OrgUnitFactory(code="HN", name="Ủy ban nhân dân thành phố Hà Nội")
    response = admin_client.get("/admin/orgunits/")
    assert response.status_code == 200
    assert [unit.code for unit in response.context["object_list"]] == ["BTTTT", "STTTT-DNG", "HN"]
    assert f"— {DANANG}" in response.content.decode()

    response = admin_client.get("/admin/orgunits/", {"q": "so thong tin da nang"})
    assert [unit.code for unit in response.context["object_list"]] == ["STTTT-DNG"]
    response = admin_client.get("/admin/orgunits/", {"q": "hn"})
    assert [unit.code for unit in response.context["object_list"]] == ["HN"]
    response = admin_client.get("/admin/orgunits/", {"cluster": "Cụm miền Trung"})
    assert [unit.code for unit in response.context["object_list"]] == ["STTTT-DNG"]
    response = admin_client.get("/admin/orgunits/", {"kind": "unit"})
    assert {unit.code for unit in response.context["object_list"]} == {"BTTTT", "STTTT-DNG", "HN"}


FORM = {"code": "STTTTDNG", "name": DANANG, "kind": "department", "cluster": "", "is_active": "on"}


@pytest.mark.django_db
def test_admin_form_creates_under_a_parent_and_moves(admin_client):
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ")
    hanoi = OrgUnitFactory(code="HN", name="Hà Nội")
    response = admin_client.post(
        "/admin/orgunits/new/",
        {
            "code": " sttttdng ",
            "name": DANANG,
            "parent": ministry.pk,
            "kind": "department",
            "cluster": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    unit = OrgUnit.objects.get(code="STTTTDNG")
    assert unit.get_parent().code == "BTTTT"

    response = admin_client.post(
        f"/admin/orgunits/edit/{unit.pk}/",
        {
            "code": "STTTTDNG",
            "name": DANANG,
            "parent": hanoi.pk,
            "kind": "department",
            "cluster": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert tree() == [("BTTTT", 1, ""), ("HN", 1, ""), ("STTTTDNG", 2, "HN")]

    # Its own subtree is not offered as a parent.
    response = admin_client.get(f"/admin/orgunits/edit/{hanoi.pk}/")
    offered = set(response.context["form"].fields["parent"].queryset.values_list("code", flat=True))
    assert offered == {"BTTTT"}

    response = admin_client.post(
        f"/admin/orgunits/edit/{unit.pk}/",
        {**FORM, "name": "Sở mới", "parent": ""},
    )
    assert response.status_code == 302
    assert tree() == [("BTTTT", 1, ""), ("HN", 1, ""), ("STTTTDNG", 1, "")]


@pytest.mark.django_db
def test_admin_refuses_to_delete_a_unit_with_people_or_children(admin_client):
    ministry = OrgUnitFactory(code="BTTTT", name="Bộ")
    child = OrgUnitFactory(code="A", name="An", parent=ministry)
    UserFactory(org_unit=child)
    leaf = OrgUnitFactory(code="B", name="Bình", parent=ministry)
    assert admin_client.post(f"/admin/orgunits/delete/{ministry.pk}/").status_code == 302
    assert admin_client.post(f"/admin/orgunits/delete/{child.pk}/").status_code == 302
    assert OrgUnit.objects.filter(code__in=["BTTTT", "A"]).count() == 2
    admin_client.post(f"/admin/orgunits/delete/{leaf.pk}/")
    assert not OrgUnit.objects.filter(code="B").exists()


# --- legacy fonts: repaired visibly, refusably ---------------------------------


@pytest.mark.django_db
def test_legacy_text_is_proposed_with_the_original_and_applied_by_default():
    rows = [
        ["STTTT-DNG", "Së Th«ng tin vµ TruyÒn th«ng §µ N½ng", "", "Së, ban, ngµnh", "Côm thi ®ua c¸c Së"],  # TCVN3
        ["STTTT-HUE", "Tô Lâm", "", "", ""],  # correct as typed, also TCVN3 for "Tụ Lõm"
    ]
    preview = run(xlsx(rows), dry_run=True)
    assert preview.ok
    assert [(c.row, c.column, c.original, c.converted, c.default) for c in preview.conversions] == [
        (2, "Tên đơn vị", "Së Th«ng tin vµ TruyÒn th«ng §µ N½ng", DANANG, True),
        (2, "Loại", "Së, ban, ngµnh", "Sở, ban, ngành", True),
        (2, "Khối, cụm thi đua", "Côm thi ®ua c¸c Së", "Cụm thi đua các Sở", True),
        (3, "Tên đơn vị", "Tô Lâm", "Tụ Lõm", False),
    ]
    assert preview.converted_rows == [2]
    assert [unit.name for unit in preview.units] == [DANANG, "Tô Lâm"]
    assert preview.units[0].kind == OrgUnit.Kind.DEPARTMENT
    result = run(xlsx(rows))
    assert dict(OrgUnit.objects.values_list("code", "name")) == {"STTTT-DNG": DANANG, "STTTT-HUE": "Tô Lâm"}
    assert OrgUnit.objects.get(code="STTTT-DNG").cluster == "Cụm thi đua các Sở"
    assert result.converted_rows == [2]


@pytest.mark.django_db
def test_a_unicode_file_gets_no_conversion_at_all():
    rows = [["A", "Phó phòng Tô Lâm", "", "", "Ghi chú"], ["B", "Lê Thành Công", "", "", ""]]
    result = run(xlsx(rows))
    assert result.conversions == []
    assert dict(OrgUnit.objects.values_list("code", "name")) == {"A": "Phó phòng Tô Lâm", "B": "Lê Thành Công"}


@pytest.mark.django_db
def test_admin_preview_shows_conversions_and_the_person_may_refuse_them(admin_client):
    rows = [["A", "Së Y tÕ", "", "", ""], ["B", "Së Tµi chÝnh", "", "", ""]]
    response = upload(admin_client, xlsx(rows))
    body = response.content.decode()
    assert 'id="import-conversions"' in body
    assert "Së Y tÕ" in body and "Sở Y tế" in body
    assert body.count('name="convert"') == 2
    token = response.context["token"]
    response = admin_client.post("/admin/orgunits/import/", {"confirm": "1", "token": token, "convert": ["2"]})
    assert response.context["stage"] == "done"
    assert dict(OrgUnit.objects.values_list("code", "name")) == {"A": "Sở Y tế", "B": "Së Tµi chÝnh"}

    OrgUnit.objects.all().delete()
    token = upload(admin_client, xlsx(rows)).context["token"]
    admin_client.post("/admin/orgunits/import/", {"confirm": "1", "token": token, "convert": ["2", "3"],
                                                  "keep_as_typed": "1"})  # fmt: skip
    assert dict(OrgUnit.objects.values_list("code", "name")) == {"A": "Së Y tÕ", "B": "Së Tµi chÝnh"}


@pytest.mark.django_db
def test_control_characters_are_refused_with_row_and_column():
    # 500 rows first: a NUL byte in the first 8 KB makes a CSV binary, refused whole.
    filler = [[f"U{n}", f"Đơn vị số {n}", "", "", ""] for n in range(500)]
    data = csv_bytes([*filler, ["A", "Sở\x00 Y tế", "", "", ""], ["B", "Sở Tài chính", "", "", "Cụm\x1b"]])
    result = run(data, dry_run=True, filename="a.csv")
    assert errors_of(result) == {
        (502, "Tên đơn vị", "control_characters"),
        (503, "Khối, cụm thi đua", "control_characters"),
    }


@pytest.mark.django_db
def test_the_command_lists_conversions_and_may_keep_text_as_typed(tmp_path):
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(xlsx([["A", "Së Y tÕ", "", "", ""]]))
    out = io.StringIO()
    call_command("import_orgunits", str(path), "--keep-as-typed", stdout=out)
    assert "Dòng 2, “Tên đơn vị”: giữ “Së Y tÕ”, không chuyển thành “Sở Y tế” (TCVN3)" in out.getvalue()
    assert OrgUnit.objects.get(code="A").name == "Së Y tÕ"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("on_postgresql")
def test_two_confirms_at_once_import_once_on_postgresql(admin_user):
    from accounts.imports import orgunits_import_confirm, orgunits_import_stage
    from tests.quizzes.test_concurrency import race

    data = xlsx([[f"U{n}", f"Đơn vị {n}", "", "", ""] for n in range(30)])
    token = orgunits_import_stage(data=data, filename="a.xlsx", actor_id=admin_user.pk)

    def confirm():
        confirmation, result = orgunits_import_confirm(token=token, actor_id=admin_user.pk, convert_rows=set())
        return confirmation.status, result.created if result else None

    results = race([confirm, confirm, confirm])
    assert [status for status, _created in results].count("done") == 1
    assert {created for status, created in results if status in ("done", "repeated")} == {30}
    assert OrgUnit.objects.count() == 30
