"""Demo pages: the regulations and campaigns named in the training reports.

Only facts from docs/domain (the five conference reports and the public legal
landmarks) are used; where a report gives no wording, the text says what the
document is for and where it was taught, and nothing about its articles.

Idempotent: a page is found by its slug under its parent; it is published
again only when its demo content differs from what is stored.
"""

from __future__ import annotations

import copy
import datetime

from django.contrib.auth import get_user_model
from wagtail.models import Page

from cms.models import (
    AdvancedExample,
    CampaignIndexPage,
    CampaignPage,
    HomePage,
    RegulationIndexPage,
    RegulationPage,
    RegulationSubscription,
    StandardPage,
)

DocumentType = RegulationPage.DocumentType
BO_TTTT = "Bộ Thông tin và Truyền thông"


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _provision(article: str, new: str, old: str = "") -> dict:
    return {"type": "provision", "value": {"article": article, "old_wording": old, "new_wording": new}}


def _explanation(html: str) -> dict:
    return {"type": "paragraph", "value": html}


ABOUT = {
    "slug": "gioi-thieu",
    "title": "Giới thiệu nền tảng đào tạo",
    "intro": (
        "Nền tảng giúp cán bộ làm công tác thi đua, khen thưởng được bồi dưỡng nghiệp vụ ngay khi nhận nhiệm vụ, "
        "không phải chờ đến hội nghị tập huấn năm sau."
    ),
    "body": [
        {"type": "heading", "value": "Vì sao cần đào tạo thường xuyên"},
        {
            "type": "paragraph",
            "value": _p(
                "Ở mỗi bộ, ngành, địa phương, cơ quan, đơn vị và doanh nghiệp nhà nước đều có người phụ trách công tác "
                "thi đua, khen thưởng: tổ chức các phong trào thi đua và chuẩn bị hồ sơ khen thưởng cho tập thể, "
                "cá nhân có thành tích. Đội ngũ cán bộ tham mưu làm công tác này phần lớn là kiêm nhiệm và "
                "thường xuyên thay đổi, nên chưa thật sự chuyên nghiệp.",
                "Hệ quả là việc báo cáo của các đơn vị còn chậm, chất lượng hồ sơ khen thưởng chưa đồng đều, có nơi "
                "khen thưởng còn tràn lan, cào bằng, chưa kịp thời hoặc chưa chính xác.",
            ),
        },
        {"type": "heading", "value": "Học trực tuyến và tập huấn trực tiếp"},
        {
            "type": "paragraph",
            "value": _p(
                "Hằng năm, các bộ, ngành và địa phương tổ chức hội nghị tập huấn để cán bộ nắm được những điểm mới "
                "của Luật, nghị định, thông tư và cách tổ chức các phong trào thi đua gắn với việc học tập và làm theo "
                "tấm gương đạo đức Hồ Chí Minh.",
                "Nền tảng này đưa nội dung tập huấn lên mạng: học viên tự học theo từng bài ngắn, làm bài kiểm tra và "
                "nhận giấy chứng nhận; ban tổ chức vẫn tổ chức hội nghị trực tiếp với đăng ký đại biểu, điểm danh theo "
                "từng chuyên đề và cấp giấy chứng nhận cho người tham dự đầy đủ.",
            ),
        },
    ],
}

REGULATION_INDEX = {
    "slug": "regulations",
    "title": "Văn bản về thi đua, khen thưởng",
    "intro": _p(
        "Luật, nghị định, thông tư, chỉ thị và kế hoạch về công tác thi đua, khen thưởng, kèm những điểm mới "
        "so với văn bản trước. Văn bản đã bị thay thế vẫn được giữ lại, có ghi rõ văn bản thay thế nó."
    ),
}

CAMPAIGN_INDEX = {
    "slug": "campaigns",
    "title": "Phong trào thi đua",
    "intro": _p(
        "Các phong trào thi đua được phát động và những điển hình tiên tiến mà các phong trào phát hiện, "
        "bồi dưỡng và nhân rộng."
    ),
}

LAW_2003 = "15/2003/QH11"
LAW_2022 = "06/2022/QH15"

REGULATIONS = [
    {
        "slug": "chi-thi-39-ct-tw",
        "title": (
            "Chỉ thị số 39-CT/TW về tiếp tục đổi mới, đẩy mạnh phong trào thi đua yêu nước, phát hiện, "
            "bồi dưỡng và nhân rộng các điển hình tiên tiến"
        ),
        "document_number": "39-CT/TW",
        "document_type": DocumentType.DIRECTIVE,
        "issuing_body": "Bộ Chính trị (khóa IX)",
        "date_issued": datetime.date(2004, 5, 21),
        "summary": (
            "Chỉ thị ngày 21/5/2004 của Bộ Chính trị khóa IX về tiếp tục đổi mới, đẩy mạnh phong trào thi đua "
            "yêu nước và phát hiện, bồi dưỡng, nhân rộng các điển hình tiên tiến.\n\n"
            "Ngày 02/12/2009, Bộ Thông tin và Truyền thông tổ chức sơ kết 5 năm thực hiện Chỉ thị. Trong 5 năm, "
            "toàn ngành có 3 tập thể được phong tặng danh hiệu Anh hùng Lao động, 92 tập thể nhận Cờ thi đua của "
            "Chính phủ, 1.007 tập thể nhận Cờ thi đua của Bộ, 19 tập thể được tặng Huân chương Lao động hạng Ba, "
            "22 tập thể nhận Bằng khen của Thủ tướng Chính phủ và 95 cá nhân đạt danh hiệu Chiến sĩ thi đua "
            "toàn quốc."
        ),
        "what_is_new": [
            _explanation(
                "<h3>Bài học rút ra sau 5 năm thực hiện (Bộ TT&amp;TT, 02/12/2009)</h3>"
                + _ul(
                    "Thi đua phải được tổ chức thường xuyên và gắn với nhiệm vụ chính trị của từng đơn vị.",
                    "Khen thưởng phải trên cơ sở kết quả thi đua.",
                    "Thủ tục khen thưởng phải chặt chẽ nhưng đơn giản.",
                    "Coi trọng khen thưởng đột xuất.",
                    "Vụ Tổ chức cán bộ cần tổ chức các lớp tập huấn nghiệp vụ về công tác thi đua, khen thưởng.",
                )
            ),
        ],
    },
    {
        "slug": "luat-thi-dua-khen-thuong-15-2003-qh11",
        "title": "Luật Thi đua, khen thưởng số 15/2003/QH11",
        "document_number": LAW_2003,
        "document_type": DocumentType.LAW,
        "issuing_body": "Quốc hội khóa XI",
        "date_issued": None,
        "summary": (
            "Luật Thi đua, khen thưởng được Quốc hội khóa XI thông qua năm 2003 và được sửa đổi, bổ sung vào năm "
            "2005 và năm 2013.\n\n"
            "Những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng năm 2013 cùng các "
            "văn bản hướng dẫn thi hành là chuyên đề thứ nhất của hội nghị tập huấn do Bộ Thông tin và Truyền thông "
            "tổ chức tại Đà Nẵng ngày 24–25/8/2015.\n\n"
            "Luật này đã được thay thế bởi Luật Thi đua, khen thưởng số 06/2022/QH15, có hiệu lực từ ngày 01/01/2024."
        ),
        "what_is_new": [
            _provision("Sửa đổi, bổ sung năm 2005", "Luật được sửa đổi, bổ sung lần thứ nhất vào năm 2005."),
            _provision(
                "Sửa đổi, bổ sung năm 2013",
                "Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng được ban hành năm 2013; những điểm "
                "mới của Luật và các văn bản hướng dẫn thi hành được giới thiệu tại hội nghị tập huấn ngày "
                "24–25/8/2015 của Bộ Thông tin và Truyền thông.",
            ),
        ],
    },
    {
        "slug": "thong-tu-13-2015-tt-btttt",
        "title": (
            "Thông tư số 13/2015/TT-BTTTT hướng dẫn công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông"
        ),
        "document_number": "13/2015/TT-BTTTT",
        "document_type": DocumentType.CIRCULAR,
        "issuing_body": BO_TTTT,
        "date_issued": datetime.date(2015, 6, 8),
        "summary": (
            "Thông tư ngày 08/6/2015 của Bộ Thông tin và Truyền thông hướng dẫn công tác thi đua, khen thưởng "
            "trong ngành Thông tin và Truyền thông.\n\n"
            "Hướng dẫn thực hiện Thông tư là chuyên đề thứ hai của hội nghị tập huấn tổ chức tại Đà Nẵng ngày "
            "24–25/8/2015, dành cho cán bộ làm công tác thi đua, khen thưởng tại các cơ quan, đơn vị, doanh nghiệp "
            "thuộc Bộ và các Sở Thông tin và Truyền thông."
        ),
        "what_is_new": [
            _provision(
                "Phạm vi hướng dẫn",
                "Công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông được hướng dẫn thống nhất trong "
                "một thông tư của Bộ.",
            ),
            _explanation(
                _p(
                    "Nội dung chi tiết của từng điều được trình bày trong chuyên đề tập huấn; đối chiếu với toàn văn "
                    "Thông tư trước khi áp dụng."
                )
            ),
        ],
    },
    {
        "slug": "chi-thi-105-ct-btttt",
        "title": "Chỉ thị số 105/CT-BTTTT về công tác thi đua, khen thưởng năm 2017",
        "document_number": "105/CT-BTTTT",
        "document_type": DocumentType.DIRECTIVE,
        "issuing_body": BO_TTTT,
        "date_issued": datetime.date(2016, 12, 19),
        "summary": (
            "Chỉ thị ngày 19/12/2016 của Bộ Thông tin và Truyền thông về công tác thi đua, khen thưởng năm 2017.\n\n"
            "Cùng với Chỉ thị, trong năm 2017 Bộ ban hành Kế hoạch số 890/KH-BTTTT ngày 17/3/2017 về tập huấn "
            "nghiệp vụ công tác thi đua, khen thưởng, Kế hoạch số 1412/KH-BTTTT ngày 25/4/2017 về tuyên truyền các "
            "phong trào thi đua và điển hình tiên tiến, văn bản số 664/BTTTT-TĐKT ngày 03/3/2017 về phong trào "
            "“Thi đua sáng tạo, đổi mới và hiệu quả” và văn bản số 1249/BTTTT-TĐKT ngày 13/4/2017 về việc lựa chọn "
            "điển hình tiên tiến."
        ),
        "what_is_new": [],
    },
    {
        "slug": "ke-hoach-890-kh-btttt",
        "title": "Kế hoạch số 890/KH-BTTTT về tập huấn nghiệp vụ công tác thi đua, khen thưởng",
        "document_number": "890/KH-BTTTT",
        "document_type": DocumentType.PLAN,
        "issuing_body": BO_TTTT,
        "date_issued": datetime.date(2017, 3, 17),
        "summary": (
            "Kế hoạch ngày 17/3/2017 của Bộ Thông tin và Truyền thông về tập huấn nghiệp vụ công tác thi đua, "
            "khen thưởng.\n\n"
            "Tập huấn nghiệp vụ là cách trả lời thực trạng mà các hội nghị đều nêu: cán bộ tham mưu làm công tác "
            "thi đua, khen thưởng chủ yếu kiêm nhiệm, hay thay đổi; hồ sơ khen thưởng chất lượng chưa đồng đều; "
            "việc báo cáo của các đơn vị còn chậm."
        ),
        "what_is_new": [],
    },
    {
        "slug": "luat-thi-dua-khen-thuong-06-2022-qh15",
        "title": "Luật Thi đua, khen thưởng số 06/2022/QH15",
        "document_number": LAW_2022,
        "document_type": DocumentType.LAW,
        "issuing_body": "Quốc hội khóa XV",
        "date_issued": None,
        "date_in_force": datetime.date(2024, 1, 1),
        "supersedes": LAW_2003,
        "summary": (
            "Luật Thi đua, khen thưởng năm 2022 do Quốc hội khóa XV thông qua, có hiệu lực thi hành từ ngày "
            "01/01/2024, thay thế Luật Thi đua, khen thưởng số 15/2003/QH11 (đã được sửa đổi, bổ sung năm 2005 "
            "và năm 2013).\n\n"
            "Cán bộ làm công tác thi đua, khen thưởng cần cập nhật kiến thức đã được tập huấn theo Luật cũ."
        ),
        "what_is_new": [
            _provision(
                "Văn bản thay thế",
                "Luật Thi đua, khen thưởng số 06/2022/QH15 thay thế Luật số 15/2003/QH11.",
                old="Luật Thi đua, khen thưởng số 15/2003/QH11, được sửa đổi, bổ sung năm 2005 và năm 2013.",
            ),
            _provision("Hiệu lực thi hành", "Luật có hiệu lực thi hành từ ngày 01/01/2024."),
            _explanation(
                _p(
                    "Các bài học trích dẫn Luật số 15/2003/QH11 sẽ được rà soát theo Luật mới; học viên đã hoàn thành "
                    "sẽ được mời học phần bồi dưỡng cập nhật."
                )
            ),
        ],
    },
]

CAMPAIGNS = [
    {
        "slug": "hoc-tap-va-lam-theo-tam-guong-dao-duc-ho-chi-minh",
        "title": "Học tập và làm theo tấm gương đạo đức Hồ Chí Minh",
        "launched_by": "",
        "start_year": None,
        "period_note": "",
        "summary": (
            "Phong trào thi đua yêu nước gắn với việc học tập và làm theo tấm gương đạo đức Hồ Chí Minh là nội dung "
            "xuyên suốt của công tác thi đua, khen thưởng và là chuyên đề thứ ba của hội nghị tập huấn tổ chức tại "
            "Đà Nẵng ngày 24–25/8/2015."
        ),
        "goals": _p(
            "Gắn các phong trào thi đua yêu nước với việc học tập và làm theo tấm gương đạo đức Hồ Chí Minh trong "
            "từng cơ quan, đơn vị; phát hiện, bồi dưỡng và nhân rộng các điển hình tiên tiến."
        ),
        "criteria": _p("Những bài học rút ra khi sơ kết 5 năm thực hiện Chỉ thị số 39-CT/TW (Bộ TT&amp;TT, 2009):")
        + _ul(
            "Thi đua thường xuyên, gắn với nhiệm vụ chính trị của đơn vị.",
            "Khen thưởng trên cơ sở kết quả thi đua.",
            "Thủ tục chặt chẽ nhưng đơn giản; coi trọng khen thưởng đột xuất.",
        ),
        "examples": [],
    },
    {
        "slug": "thi-dua-sang-tao-doi-moi-va-hieu-qua",
        "title": "Thi đua sáng tạo, đổi mới và hiệu quả",
        "launched_by": "Công đoàn Thông tin và Truyền thông Việt Nam",
        "start_year": 2017,
        "period_note": "Năm 2017",
        "summary": (
            "Phong trào do Công đoàn ngành Thông tin và Truyền thông phát động năm 2017. Bộ Thông tin và Truyền "
            "thông hướng dẫn triển khai phong trào tại văn bản số 664/BTTTT-TĐKT ngày 03/3/2017."
        ),
        "goals": _p(
            "Khuyến khích sáng tạo, đổi mới cách làm và nâng cao hiệu quả công việc trong các cơ quan, đơn vị, "
            "doanh nghiệp của ngành Thông tin và Truyền thông."
        ),
        "criteria": _p(
            "Việc lựa chọn điển hình tiên tiến thực hiện theo văn bản số 1249/BTTTT-TĐKT ngày 13/4/2017 của Bộ "
            "Thông tin và Truyền thông."
        ),
        "examples": [
            (
                "Phóng viên Báo VietNamNet",
                "Báo VietNamNet",
                "Điển hình tiên tiến của ngành được tôn vinh trên toàn quốc năm 2017 với các tác phẩm báo chí "
                "về đề tài môi trường.",
            ),
            (
                "Phó Giám đốc Trung tâm Internet Việt Nam",
                "Trung tâm Internet Việt Nam",
                "Điển hình tiên tiến của ngành được tôn vinh trên toàn quốc năm 2017 vì những đóng góp bảo vệ hạ "
                "tầng Internet.",
            ),
            (
                "Giám đốc một trung tâm cấp tỉnh của VNPT",
                "Tập đoàn Bưu chính Viễn thông Việt Nam",
                "Điển hình tiên tiến của ngành được tôn vinh trên toàn quốc năm 2017; đạt giải Nhất cuộc thi "
                "“Sáng tạo VNPT” năm 2016.",
            ),
        ],
    },
    {
        "slug": "ca-nuoc-chung-tay-vi-nguoi-ngheo",
        "title": "Cả nước chung tay vì người nghèo – không để ai bị bỏ lại phía sau",
        "launched_by": "Thủ tướng Chính phủ",
        "start_year": None,
        "period_note": "",
        "summary": (
            "Một trong các phong trào thi đua do Thủ tướng Chính phủ phát động, cùng với phong trào “Doanh nghiệp "
            "hội nhập và phát triển” và phong trào “Cả nước chung sức xây dựng nông thôn mới” giai đoạn 2016–2020."
        ),
        "goals": _p("Huy động mọi cơ quan, đơn vị, doanh nghiệp và cá nhân cùng chung tay vì người nghèo."),
        "criteria": "",
        "examples": [],
    },
]


def _child(parent: Page, model, slug: str):
    return model.objects.child_of(parent).filter(slug=slug).first()


def _stream_data(value) -> list[dict]:
    return [{"type": block["type"], "value": block["value"]} for block in value.raw_data] if value else []


def _upsert(parent: Page, model, spec: dict, *, stream_fields=(), children=None) -> tuple[Page, str]:
    """Create or update one page from ``spec``; publish only when something changed."""
    page = _child(parent, model, spec["slug"])
    created = page is None
    if created:
        page = model(slug=spec["slug"], title=spec["title"])
    changed = created
    for name, value in spec.items():
        if name in stream_fields:
            if _stream_data(getattr(page, name)) != value:
                # Wagtail writes block ids into the list it is given: hand it a copy.
                setattr(page, name, copy.deepcopy(value))
                changed = True
        elif getattr(page, name) != value:
            setattr(page, name, value)
            changed = True
    if children is not None:
        relation, rows, key = children
        if [key(row) for row in getattr(page, relation).all()] != [key(row) for row in rows]:
            setattr(page, relation, rows)
            changed = True
    if created:
        page.live = False
        parent.add_child(instance=page)
    if changed:
        page.save_revision().publish()
    return page, "created" if created else ("updated" if changed else "unchanged")


def _example_key(example: AdvancedExample) -> tuple[str, str, str]:
    return (example.name, example.unit, example.achievement)


def seed(out) -> None:
    home = HomePage.objects.order_by("path").first()
    if home is None:
        out.write("Chưa có trang chủ (HomePage): hãy chạy migrate trước.")
        return
    tally: dict[str, int] = {"created": 0, "updated": 0, "unchanged": 0}

    def count(result: tuple[Page, str]) -> Page:
        page, outcome = result
        tally[outcome] += 1
        return page

    count(_upsert(home, StandardPage, ABOUT, stream_fields=("body",)))
    regulations_index = count(_upsert(home, RegulationIndexPage, REGULATION_INDEX))
    campaigns_index = count(_upsert(home, CampaignIndexPage, CAMPAIGN_INDEX))

    by_number: dict[str, RegulationPage] = {}
    for spec in REGULATIONS:
        spec = dict(spec)
        supersedes = spec.pop("supersedes", None)
        spec["supersedes"] = by_number[supersedes] if supersedes else None
        spec.setdefault("date_in_force", None)
        page = count(_upsert(regulations_index, RegulationPage, spec, stream_fields=("what_is_new",)))
        by_number[page.document_number] = page

    for spec in CAMPAIGNS:
        spec = dict(spec)
        # sort_order is set only by the admin's formset: without it the
        # examples tie, and PostgreSQL may return them in another order.
        examples = [
            AdvancedExample(sort_order=i, name=name, unit=unit, achievement=achievement)
            for i, (name, unit, achievement) in enumerate(spec.pop("examples"))
        ]
        count(
            _upsert(
                campaigns_index,
                CampaignPage,
                spec,
                children=("advanced_examples", examples, _example_key),
            )
        )

    trainee = get_user_model().objects.filter(email="hocvien@demo.tdkt.vn", is_active=True).first()
    if trainee is not None:
        RegulationSubscription.objects.get_or_create(user=trainee)

    out.write(
        "Trang nội dung: {created} tạo mới, {updated} cập nhật, {unchanged} giữ nguyên "
        "(văn bản: {regs}, phong trào thi đua: {camps}).".format(**tally, regs=len(REGULATIONS), camps=len(CAMPAIGNS))
    )
