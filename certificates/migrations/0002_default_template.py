from django.db import migrations

# A default that looks like official paper, so that courses and events can
# issue before anyone has designed a template. The issuing body and
# signatory are generic; each deployment puts its own in the admin.
DEFAULT = {
    "name": "Mẫu mặc định",
    "is_default": True,
    "issuing_body_parent": "",
    "issuing_body": "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
    "national_title": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập – Tự do – Hạnh phúc",
    "serial_prefix": "TĐKT",
    "title": "GIẤY CHỨNG NHẬN",
    "body": (
        "Chứng nhận ông/bà: {name}\n"
        "Đơn vị công tác: {unit}\n"
        "Đã tham gia và hoàn thành chương trình tập huấn\n"
        "{achievement}\n"
        "Thời gian: {dates}\n"
        "Thời lượng: {hours} giờ\n"
        "Số chuyên đề tham dự: {sessions}\n"
        "Kết quả: {score} điểm"
    ),
    "place": "Hà Nội",
    "signatory_title": "TM. HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG\nCHỦ TỊCH",
    "signatory_name": "",
    "verification_label": "Quét mã QR hoặc truy cập địa chỉ sau để xác minh giấy chứng nhận:",
}

# Editors and organisers manage templates in the Wagtail admin.
GROUPS = ["Editors", "Organisers"]
ACTIONS = ["add", "change", "delete", "view"]


def forwards(apps, schema_editor):
    Template = apps.get_model("certificates", "CertificateTemplate")
    if not Template.objects.filter(is_default=True).exists():
        Template.objects.create(**DEFAULT)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="certificates", model="certificatetemplate")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_certificatetemplate",
            defaults={"name": f"Can {action} certificate template"},
        )[0]
        for action in ACTIONS
    ]
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
