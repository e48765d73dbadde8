"""Demo courses: the four topics (chuyên đề) of the 2015 Đà Nẵng training conference,
an onboarding course for newly assigned part-time officers, and trainees at
different stages so that dashboards and reports show something real.

Only facts from docs/domain are used (the conference reports and the public
legal landmarks); where the reports give no wording of an article, a legal
provision block says what the document does and where it was taught, not
what its articles say. Regulations are looked up by document number from
cms's demo; a missing one is left out of the block list.

Idempotent: pages are found by slug (cms.demo's upsert publishes only on a
change); enrolments, progress and completion go through the services, which
are idempotent themselves; the refresher for the 2022 Law runs at the end
(flags and notices are unique rows, mails go once).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.utils import timezone

from accounts.models import OrgUnit, User
from cms.models import HomePage, RegulationPage
from core.errors import ServiceError
from courses import caching, services
from courses.models import CourseIndexPage, CoursePage, Enrolment, ModulePage
from courses.tallies import tally_refresh_enrolments
from demo.cms import _upsert

LAW_2003 = "15/2003/QH11"
LAW_2022 = "06/2022/QH15"
TT_13 = "13/2015/TT-BTTTT"
CT_39 = "39-CT/TW"
CT_105 = "105/CT-BTTTT"
KH_890 = "890/KH-BTTTT"


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def heading(text):
    return {"type": "heading", "value": text}


def para(*paragraphs):
    return {"type": "paragraph", "value": _p(*paragraphs)}


def bullets(intro, *items):
    return {"type": "paragraph", "value": (_p(intro) if intro else "") + _ul(*items)}


def callout(kind, title, text):
    return {"type": "callout", "value": {"kind": kind, "title": title, "text": _p(text)}}


def provision(number, article, text, explanation=""):
    return {
        "type": "legal_provision",
        "value": {
            "regulation": number,
            "article": article,
            "text": text,
            "explanation": _p(explanation) if explanation else "",
        },
    }


def takeaways(*items):
    # List items in Wagtail's stored shape, with ids derived from the text, so
    # that a second run compares equal and publishes nothing.
    rows = [{"type": "item", "value": text, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, text))} for text in items]
    return {"type": "key_takeaways", "value": {"items": rows}}


INDEX = {
    "slug": "khoa-hoc",
    "title": "Khóa học trực tuyến",
    "intro": _p(
        "Các khóa bồi dưỡng nghiệp vụ công tác thi đua, khen thưởng theo bốn chuyên đề của hội nghị tập huấn "
        "tổ chức tại Đà Nẵng ngày 24–25/8/2015, và khóa nhập môn cho cán bộ mới được giao nhiệm vụ kiêm nhiệm. "
        "Mỗi khóa gồm các bài ngắn, học trên điện thoại được; hoàn thành khóa học được cấp giấy chứng nhận."
    ),
}

CONFERENCE_2015 = (
    "Hội nghị tập huấn do Bộ Thông tin và Truyền thông tổ chức tại Đà Nẵng trong hai ngày 24–25/8/2015, dành cho "
    "cán bộ làm công tác thi đua, khen thưởng tại các cơ quan, đơn vị, doanh nghiệp thuộc Bộ và các Sở Thông tin "
    "và Truyền thông. Thứ trưởng Lê Nam Thắng, Phó Chủ tịch Thường trực Hội đồng Thi đua – Khen thưởng Bộ, phát "
    "biểu khai mạc."
)

COURSES = [
    {
        "slug": "nhung-diem-moi-cua-luat-thi-dua-khen-thuong",
        "title": "Chuyên đề 1: Những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng",
        "summary": (
            "Luật Thi đua, khen thưởng năm 2003, các lần sửa đổi, bổ sung năm 2005 và 2013, những điểm mới được "
            "giới thiệu tại hội nghị tập huấn năm 2015, và việc Luật năm 2022 thay thế Luật năm 2003."
        ),
        "learning_outcomes": _ul(
            "Nêu được các mốc của Luật Thi đua, khen thưởng: ban hành năm 2003, sửa đổi, bổ sung năm 2005 và 2013.",
            "Biết Luật số 06/2022/QH15 thay thế Luật số 15/2003/QH11 và có hiệu lực từ ngày 01/01/2024.",
            "Tìm được văn bản gốc và văn bản thay thế trên nền tảng trước khi tham mưu.",
        ),
        "audience": "Cán bộ làm công tác thi đua, khen thưởng tại các cơ quan, đơn vị, doanh nghiệp và các Sở TT&TT.",
        "estimated_hours": 2,
        "regulations": [LAW_2003, LAW_2022],
        "modules": [
            {
                "slug": "luat-thi-dua-khen-thuong-va-cac-lan-sua-doi",
                "title": "Luật Thi đua, khen thưởng và các lần sửa đổi, bổ sung",
                "intro": "Luật năm 2003 và hai lần sửa đổi, bổ sung năm 2005 và năm 2013.",
                "estimated_minutes": 15,
                "body": [
                    para(
                        "Luật Thi đua, khen thưởng số 15/2003/QH11 được Quốc hội khóa XI thông qua năm 2003. Luật "
                        "được sửa đổi, bổ sung lần thứ nhất vào năm 2005 và lần thứ hai vào năm 2013.",
                        CONFERENCE_2015,
                    ),
                    provision(
                        LAW_2003,
                        "Sửa đổi, bổ sung năm 2005 và năm 2013",
                        "Luật Thi đua, khen thưởng được sửa đổi, bổ sung vào năm 2005 và năm 2013.",
                        "Khi tham mưu, đọc Luật cùng các luật sửa đổi, bổ sung và văn bản hướng dẫn thi hành.",
                    ),
                    callout(
                        "tip",
                        "Trên nền tảng",
                        "Mỗi văn bản có trang riêng ghi số hiệu, ngày ban hành, ngày hiệu lực và văn bản thay thế nó.",
                    ),
                    takeaways(
                        "Luật Thi đua, khen thưởng số 15/2003/QH11 được thông qua năm 2003.",
                        "Luật được sửa đổi, bổ sung năm 2005 và năm 2013.",
                    ),
                ],
            },
            {
                "slug": "nhung-diem-moi-nam-2013",
                "title": "Những điểm mới năm 2013 và văn bản hướng dẫn thi hành",
                "intro": "Chuyên đề thứ nhất của hội nghị tập huấn tại Đà Nẵng, tháng 8/2015.",
                "estimated_minutes": 20,
                "body": [
                    para(
                        "Chuyên đề thứ nhất của hội nghị tập huấn năm 2015 giới thiệu những điểm mới của Luật sửa "
                        "đổi, bổ sung một số điều của Luật Thi đua, khen thưởng năm 2013 và các văn bản hướng dẫn "
                        "thi hành.",
                    ),
                    provision(
                        LAW_2003,
                        "Sửa đổi, bổ sung năm 2013",
                        "Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng được ban hành năm 2013.",
                        "Nội dung chi tiết từng điều được trình bày trong chuyên đề; đối chiếu với toàn văn trước khi "
                        "áp dụng.",
                    ),
                    callout(
                        "warning",
                        "Văn bản đã được thay thế",
                        "Luật số 15/2003/QH11 đã được thay thế bởi Luật Thi đua, khen thưởng số 06/2022/QH15, có "
                        "hiệu lực từ ngày 01/01/2024.",
                    ),
                    takeaways(
                        "Những điểm mới năm 2013 là nội dung chuyên đề 1 của hội nghị tập huấn năm 2015.",
                        "Luôn kiểm tra văn bản còn hiệu lực trước khi áp dụng.",
                    ),
                ],
            },
            {
                "slug": "tu-luat-2003-den-luat-2022",
                "title": "Từ Luật năm 2003 đến Luật năm 2022",
                "intro": "Luật Thi đua, khen thưởng số 06/2022/QH15 và việc cập nhật kiến thức.",
                "estimated_minutes": 10,
                "body": [
                    provision(
                        LAW_2022,
                        "Hiệu lực thi hành",
                        "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực thi hành từ ngày 01/01/2024, thay thế "
                        "Luật Thi đua, khen thưởng số 15/2003/QH11.",
                    ),
                    para(
                        "Khi một văn bản được thay thế, nền tảng đánh dấu các bài học trích dẫn văn bản cũ để biên "
                        "tập viên rà soát, và báo cho học viên đã hoàn thành khóa học để cập nhật kiến thức."
                    ),
                    takeaways("Luật số 06/2022/QH15 có hiệu lực từ ngày 01/01/2024."),
                ],
            },
        ],
    },
    {
        "slug": "huong-dan-thong-tu-13-2015-tt-btttt",
        "title": "Chuyên đề 2: Hướng dẫn thực hiện Thông tư số 13/2015/TT-BTTTT",
        "summary": (
            "Thông tư số 13/2015/TT-BTTTT ngày 08/6/2015 của Bộ Thông tin và Truyền thông hướng dẫn công tác thi đua, "
            "khen thưởng trong ngành Thông tin và Truyền thông: phạm vi, đối tượng và cách áp dụng tại đơn vị."
        ),
        "learning_outcomes": _ul(
            "Nêu được số hiệu, ngày ban hành và cơ quan ban hành Thông tư.",
            "Phân biệt được các danh hiệu thi đua và hình thức khen thưởng thường gặp.",
        ),
        "audience": "Cán bộ làm công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông.",
        "estimated_hours": 2,
        "regulations": [TT_13],
        "modules": [
            {
                "slug": "pham-vi-cua-thong-tu",
                "title": "Thông tư số 13/2015/TT-BTTTT: phạm vi và đối tượng",
                "intro": "Văn bản hướng dẫn thống nhất công tác thi đua, khen thưởng trong toàn ngành.",
                "estimated_minutes": 15,
                "body": [
                    provision(
                        TT_13,
                        "Phạm vi hướng dẫn",
                        "Công tác thi đua, khen thưởng trong ngành Thông tin và Truyền thông được hướng dẫn thống nhất "
                        "trong một thông tư của Bộ, ban hành ngày 08/6/2015.",
                    ),
                    para(
                        "Hướng dẫn thực hiện Thông tư là chuyên đề thứ hai của hội nghị tập huấn tại Đà Nẵng ngày "
                        "24–25/8/2015, dành cho cán bộ các cơ quan, đơn vị, doanh nghiệp thuộc Bộ và các Sở Thông tin "
                        "và Truyền thông."
                    ),
                    takeaways("Thông tư số 13/2015/TT-BTTTT do Bộ TT&TT ban hành ngày 08/6/2015."),
                ],
            },
            {
                "slug": "danh-hieu-va-hinh-thuc-khen-thuong",
                "title": "Danh hiệu thi đua và hình thức khen thưởng thường gặp",
                "intro": "Tên gọi chính xác của các danh hiệu và hình thức khen thưởng.",
                "estimated_minutes": 20,
                "body": [
                    bullets(
                        "Các danh hiệu thi đua đối với cá nhân và tập thể thường gặp trong hồ sơ:",
                        "Lao động tiên tiến",
                        "Chiến sĩ thi đua cơ sở",
                        "Chiến sĩ thi đua cấp bộ, ngành, tỉnh",
                        "Chiến sĩ thi đua toàn quốc",
                        "Tập thể lao động xuất sắc",
                        "Cờ thi đua của Bộ; Cờ thi đua của Chính phủ",
                    ),
                    bullets(
                        "Các hình thức khen thưởng:",
                        "Bằng khen của Thủ tướng Chính phủ",
                        "Huân chương Lao động (hạng Nhất, Nhì, Ba)",
                        "Huân chương Độc lập",
                        "Danh hiệu Anh hùng Lao động",
                    ),
                    callout(
                        "note",
                        "Ghi đúng tên gọi",
                        "Trong tờ trình và danh sách đề nghị, ghi đúng tên danh hiệu, hình thức khen thưởng như "
                        "trong văn bản quy phạm pháp luật.",
                    ),
                    takeaways("Danh hiệu thi đua và hình thức khen thưởng là hai nhóm khác nhau."),
                ],
            },
        ],
    },
    {
        "slug": "phong-trao-thi-dua-yeu-nuoc-va-tam-guong-ho-chi-minh",
        "title": (
            "Chuyên đề 3: Phong trào thi đua yêu nước gắn với việc học tập và làm theo tấm gương đạo đức Hồ Chí Minh"
        ),
        "summary": (
            "Chỉ thị số 39-CT/TW và kết quả 5 năm thực hiện ở Bộ Thông tin và Truyền thông, các phong trào thi đua "
            "do Thủ tướng Chính phủ phát động, và việc phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến."
        ),
        "learning_outcomes": _ul(
            "Nêu được nội dung và kết quả 5 năm thực hiện Chỉ thị số 39-CT/TW tại Bộ TT&TT.",
            "Kể tên các phong trào thi đua do Thủ tướng Chính phủ phát động.",
            "Biết cách phát hiện và nhân rộng điển hình tiên tiến.",
        ),
        "audience": "Cán bộ tham mưu tổ chức phong trào thi đua tại cơ quan, đơn vị.",
        "estimated_hours": 3,
        "regulations": [CT_39, CT_105],
        "modules": [
            {
                "slug": "chi-thi-39-ct-tw",
                "title": "Chỉ thị số 39-CT/TW và 5 năm thực hiện",
                "intro": "Đổi mới, đẩy mạnh phong trào thi đua yêu nước; kết quả sơ kết ngày 02/12/2009.",
                "estimated_minutes": 20,
                "body": [
                    provision(
                        CT_39,
                        "Nội dung Chỉ thị",
                        "Tiếp tục đổi mới, đẩy mạnh phong trào thi đua yêu nước; phát hiện, bồi dưỡng và nhân rộng "
                        "các điển hình tiên tiến (Bộ Chính trị khóa IX, ngày 21/5/2004).",
                    ),
                    bullets(
                        "Ngày 02/12/2009, Bộ TT&TT sơ kết 5 năm thực hiện Chỉ thị. Trong 5 năm, toàn ngành có:",
                        "3 tập thể được phong tặng danh hiệu Anh hùng Lao động;",
                        "92 tập thể nhận Cờ thi đua của Chính phủ;",
                        "1.007 tập thể nhận Cờ thi đua của Bộ;",
                        "19 tập thể được tặng Huân chương Lao động hạng Ba;",
                        "22 tập thể nhận Bằng khen của Thủ tướng Chính phủ;",
                        "95 cá nhân đạt danh hiệu Chiến sĩ thi đua toàn quốc.",
                    ),
                    takeaways(
                        "Thi đua phải thường xuyên và gắn với nhiệm vụ chính trị của đơn vị.",
                        "Khen thưởng phải trên cơ sở kết quả thi đua.",
                    ),
                ],
            },
            {
                "slug": "cac-phong-trao-thi-dua-cua-thu-tuong",
                "title": "Các phong trào thi đua do Thủ tướng Chính phủ phát động",
                "intro": "Ba phong trào lớn và phong trào của Công đoàn ngành năm 2017.",
                "estimated_minutes": 15,
                "body": [
                    bullets(
                        "Các phong trào thi đua do Thủ tướng Chính phủ phát động:",
                        "“Doanh nghiệp hội nhập và phát triển”;",
                        "“Cả nước chung sức xây dựng nông thôn mới” (2016–2020);",
                        "“Cả nước chung tay vì người nghèo – không để ai bị bỏ lại phía sau”.",
                    ),
                    provision(
                        CT_105,
                        "Công tác thi đua, khen thưởng năm 2017",
                        "Chỉ thị ngày 19/12/2016 của Bộ Thông tin và Truyền thông về công tác thi đua, khen thưởng "
                        "năm 2017.",
                        "Cùng năm, văn bản số 664/BTTTT-TĐKT ngày 03/3/2017 hướng dẫn hưởng ứng phong trào “Thi đua "
                        "sáng tạo, đổi mới và hiệu quả” do Công đoàn Thông tin và Truyền thông Việt Nam phát động.",
                    ),
                    takeaways("Phong trào của đơn vị nên gắn với các phong trào chung của Chính phủ và của ngành."),
                ],
            },
            {
                "slug": "dien-hinh-tien-tien",
                "title": "Phát hiện, bồi dưỡng và nhân rộng điển hình tiên tiến",
                "intro": "Ba điển hình của ngành được tôn vinh toàn quốc năm 2017.",
                "estimated_minutes": 15,
                "body": [
                    para(
                        "Văn bản số 1249/BTTTT-TĐKT ngày 13/4/2017 hướng dẫn việc lựa chọn điển hình tiên tiến; Kế "
                        "hoạch số 1412/KH-BTTTT ngày 25/4/2017 về tuyên truyền các phong trào thi đua và điển hình "
                        "tiên tiến."
                    ),
                    bullets(
                        "Năm 2017, ba điển hình tiên tiến của ngành được tôn vinh toàn quốc:",
                        "một phóng viên Báo VietNamNet với các bài viết về môi trường;",
                        "Phó Giám đốc Trung tâm Internet Việt Nam, với việc bảo vệ hạ tầng Internet;",
                        "một Giám đốc trung tâm cấp tỉnh của VNPT, giải nhất “Sáng tạo VNPT” năm 2016.",
                    ),
                    takeaways("Điển hình tiên tiến cần được phát hiện, bồi dưỡng và nhân rộng, không chỉ khen thưởng."),
                ],
            },
        ],
    },
    {
        "slug": "nang-cao-chat-luong-cong-tac-thi-dua-khen-thuong",
        "title": "Chuyên đề 4: Nâng cao chất lượng công tác thi đua, khen thưởng",
        "summary": (
            "Thực trạng và bài học kinh nghiệm của công tác thi đua, khen thưởng, và một số nội dung cần lưu ý "
            "khi chuẩn bị hồ sơ khen thưởng."
        ),
        "learning_outcomes": _ul(
            "Nhận diện được các hạn chế thường gặp: báo cáo chậm, hồ sơ chưa đồng đều, khen thưởng tràn lan, cào bằng.",
            "Vận dụng các bài học kinh nghiệm đã được tổng kết.",
        ),
        "audience": "Cán bộ tham mưu và lãnh đạo phụ trách công tác thi đua, khen thưởng.",
        "estimated_hours": 2,
        "regulations": [CT_39, KH_890],
        "modules": [
            {
                "slug": "thuc-trang",
                "title": "Thực trạng công tác thi đua, khen thưởng",
                "intro": "Những hạn chế mà các hội nghị tập huấn đều nêu.",
                "estimated_minutes": 15,
                "body": [
                    bullets(
                        "Các báo cáo tại hội nghị tập huấn cùng chỉ ra:",
                        "cán bộ tham mưu làm công tác thi đua, khen thưởng chủ yếu kiêm nhiệm, hay thay đổi, chưa "
                        "chuyên nghiệp;",
                        "việc báo cáo của các đơn vị còn chậm;",
                        "chất lượng hồ sơ khen thưởng chưa đồng đều;",
                        "có nơi khen thưởng còn tràn lan, cào bằng, chưa kịp thời hoặc chưa chính xác.",
                    ),
                    provision(
                        KH_890,
                        "Tập huấn nghiệp vụ",
                        "Kế hoạch ngày 17/3/2017 của Bộ Thông tin và Truyền thông về tập huấn nghiệp vụ công tác thi "
                        "đua, khen thưởng.",
                    ),
                    takeaways("Tập huấn thường xuyên là cách khắc phục việc cán bộ kiêm nhiệm, hay thay đổi."),
                ],
            },
            {
                "slug": "bai-hoc-kinh-nghiem",
                "title": "Bài học kinh nghiệm",
                "intro": "Những bài học rút ra sau 5 năm thực hiện Chỉ thị số 39-CT/TW.",
                "estimated_minutes": 15,
                "body": [
                    bullets(
                        "Bài học được Bộ TT&TT tổng kết ngày 02/12/2009:",
                        "thi đua phải được tổ chức thường xuyên và gắn với nhiệm vụ chính trị của đơn vị;",
                        "khen thưởng phải trên cơ sở kết quả thi đua;",
                        "thủ tục khen thưởng chặt chẽ nhưng đơn giản;",
                        "coi trọng khen thưởng đột xuất;",
                        "tổ chức các lớp tập huấn nghiệp vụ về công tác thi đua, khen thưởng.",
                    ),
                    provision(
                        CT_39,
                        "Sơ kết 5 năm thực hiện",
                        "Ngày 02/12/2009, Bộ Thông tin và Truyền thông sơ kết 5 năm thực hiện Chỉ thị số 39-CT/TW.",
                    ),
                    callout(
                        "tip",
                        "Hồ sơ khen thưởng",
                        "Chuẩn bị hồ sơ sớm, đối chiếu văn bản còn hiệu lực và kiểm tra tên danh hiệu trước khi trình.",
                    ),
                    takeaways("Khen thưởng kịp thời, chính xác, không tràn lan, cào bằng."),
                ],
            },
        ],
    },
    {
        "slug": "nhap-mon-cho-can-bo-kiem-nhiem",
        "title": "Nhập môn công tác thi đua, khen thưởng cho cán bộ mới được giao nhiệm vụ kiêm nhiệm",
        "summary": (
            "Dành cho cán bộ vừa được giao kiêm nhiệm công tác thi đua, khen thưởng: các khái niệm, văn bản cần biết "
            "và lộ trình học trên nền tảng, để bắt tay vào việc ngay, không chờ hội nghị tập huấn năm sau."
        ),
        "learning_outcomes": _ul(
            "Hiểu các thuật ngữ cơ bản: thi đua, khen thưởng, phong trào thi đua, điển hình tiên tiến, hồ sơ khen "
            "thưởng.",
            "Biết các văn bản cần đọc và nơi tìm chúng.",
        ),
        "audience": "Cán bộ mới được giao nhiệm vụ kiêm nhiệm công tác thi đua, khen thưởng.",
        "estimated_hours": 1,
        "regulations": [LAW_2022, TT_13],
        "modules": [
            {
                "slug": "thi-dua-khen-thuong-la-gi",
                "title": "Công tác thi đua, khen thưởng là gì",
                "intro": "Các khái niệm cơ bản, bằng lời đơn giản.",
                "estimated_minutes": 10,
                "body": [
                    bullets(
                        None,
                        "<strong>Thi đua</strong>: các phong trào trong đó các đơn vị cùng phấn đấu đạt mục tiêu.",
                        "<strong>Khen thưởng</strong>: danh hiệu, bằng khen, huân chương cho tập thể, cá nhân có "
                        "thành tích xuất sắc.",
                        "<strong>Điển hình tiên tiến</strong>: người hoặc tập thể được nêu gương để mọi người noi "
                        "theo.",
                        "<strong>Khối, cụm thi đua</strong>: nhóm các đơn vị thi đua với nhau.",
                    ),
                    takeaways("Khen thưởng phải trên cơ sở kết quả thi đua."),
                ],
            },
            {
                "slug": "van-ban-can-biet",
                "title": "Văn bản cần biết và cách tra cứu",
                "intro": "Luật hiện hành, thông tư của ngành và nơi tìm văn bản trên nền tảng.",
                "estimated_minutes": 10,
                "body": [
                    provision(
                        LAW_2022,
                        "Văn bản hiện hành",
                        "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực thi hành từ ngày 01/01/2024.",
                    ),
                    provision(
                        TT_13,
                        "Văn bản của ngành",
                        "Thông tư số 13/2015/TT-BTTTT ngày 08/6/2015 hướng dẫn công tác thi đua, khen thưởng trong "
                        "ngành Thông tin và Truyền thông.",
                    ),
                    callout(
                        "tip",
                        "Nhận thông báo",
                        "Đăng ký nhận thư khi có văn bản mới ở trang Văn bản để không bỏ lỡ thay đổi.",
                    ),
                    takeaways("Trước khi tham mưu, kiểm tra văn bản còn hiệu lực hay đã được thay thế."),
                ],
            },
        ],
    },
]

# Demo trainees (email, name, unit code); hocvien@demo.tdkt.vn comes from accounts' demo.
TRAINEES = [
    ("tranthimai@demo.tdkt.vn", "Trần Thị Mai", "DANANG-STTTT"),
    ("levanhung@demo.tdkt.vn", "Lê Văn Hùng", "HUE-STTTT"),
    ("phamthithu@demo.tdkt.vn", "Phạm Thị Thu", "QUANGNAM-STTTT"),
    ("vuvannam@demo.tdkt.vn", "Vũ Văn Nam", "BTTTT-VNNIC"),
    ("ngothilinh@demo.tdkt.vn", "Ngô Thị Linh", "LAMDONG-STTTT"),
]

# (email, course index, modules to complete: "all" or a number, overdue?)
STAGES = [
    ("hocvien@demo.tdkt.vn", 0, "all", False),
    ("hocvien@demo.tdkt.vn", 1, 1, False),
    ("hocvien@demo.tdkt.vn", 4, 0, False),
    ("tranthimai@demo.tdkt.vn", 0, "all", False),
    ("tranthimai@demo.tdkt.vn", 4, "all", False),
    ("levanhung@demo.tdkt.vn", 0, 2, False),
    ("levanhung@demo.tdkt.vn", 2, 1, False),
    ("phamthithu@demo.tdkt.vn", 4, 1, True),
    ("vuvannam@demo.tdkt.vn", 3, "all", False),
    ("ngothilinh@demo.tdkt.vn", 1, 0, False),
]


def _resolve(value, regulations):
    """Replace document numbers in provision blocks by page ids; drop blocks citing a missing one."""
    blocks = []
    for block in value:
        if block["type"] == "legal_provision":
            page = regulations.get(block["value"]["regulation"])
            if page is None:
                continue
            block = {"type": block["type"], "value": {**block["value"], "regulation": page.pk}}
        blocks.append(block)
    return blocks


def _seed_pages(home) -> tuple[list[CoursePage], dict[str, int]]:
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    regulations = {r.document_number: r for r in RegulationPage.objects.all()}
    index, outcome = _upsert(home, CourseIndexPage, INDEX)
    tally[outcome] += 1
    courses = []
    for spec in COURSES:
        spec = dict(spec)
        modules = spec.pop("modules")
        regulation_numbers = spec.pop("regulations")
        course, outcome = _upsert(index, CoursePage, spec)
        wanted = {regulations[n].pk for n in regulation_numbers if n in regulations}
        if {r.pk for r in course.regulations.all()} != wanted:
            course.regulations = [regulations[n] for n in regulation_numbers if n in regulations]
            course.save_revision().publish()
            outcome = "updated" if outcome == "unchanged" else outcome
        tally[outcome] += 1
        for module_spec in modules:
            module_spec = {**module_spec, "body": _resolve(module_spec["body"], regulations)}
            _module, outcome = _upsert(course, ModulePage, module_spec, stream_fields=("body",))
            tally[outcome] += 1
        # publish() works on a copy made from the revision: read back the live page.
        courses.append(CoursePage.objects.get(pk=course.pk))
    return courses, tally


def _seed_trainees() -> dict[str, User]:
    from demo.accounts import DEMO_PASSWORD

    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[code for *_x, code in TRAINEES])}
    people = {}
    for email, name, code in TRAINEES:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"full_name": name, "org_unit": units.get(code), "position": "Chuyên viên (kiêm nhiệm)"},
        )
        if created:
            if settings.DEBUG:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
        people[email] = user
    main = User.objects.filter(email="hocvien@demo.tdkt.vn").first()
    if main is not None:
        people[main.email] = main
    return people


def _seed_progress(courses: list[CoursePage], people: dict[str, User]) -> int:
    coordinator = User.objects.filter(email="daumoi@demo.tdkt.vn").first()
    done = 0
    for email, course_index, modules_done, overdue in STAGES:
        user = people.get(email)
        if user is None:
            continue
        course = courses[course_index]
        enrolment = Enrolment.objects.filter(user=user, course=course).first()
        if enrolment is None:
            can_assign = coordinator is not None and user.org_unit_id and coordinator.coordinated_unit_id
            if course_index == 4 and can_assign and user.org_unit.path.startswith(coordinator.coordinated_unit.path):
                # The onboarding course, assigned by the unit's coordinator with a due date.
                due = timezone.localdate() + datetime.timedelta(days=30)
                services.enrolment_assign_bulk(course=course, users=[user], assigned_by=coordinator, due_date=due)
            else:
                services.enrolment_create(user=user, course=course)
            enrolment = Enrolment.objects.get(user=user, course=course)
        if overdue and enrolment.status == Enrolment.Status.ACTIVE:
            Enrolment.objects.filter(pk=enrolment.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=7))
            # Past the services (they refuse a past due date): the report's due-date tallies are recounted here.
            tally_refresh_enrolments([enrolment])
            caching.bump([user.pk])  # an update sends no signal: their cached course pages are stale
        modules = list(course.modules())
        count = len(modules) if modules_done == "all" else modules_done
        for module in modules[:count]:
            try:
                services.module_complete(user=user, module=module)
            except ServiceError:
                break  # e.g. a module quiz linked since: leave the rest for the trainee
            done += 1
    return done


# quizzes.demo makes one quiz per chuyên đề and an onboarding quiz; each ends
# the last module of its course. Its 20-question "Bài kiểm tra cuối khóa"
# spans all four topics, as the onboarding course for part-time officers
# does: it is that course's final test.
FINAL_TESTS = {4: "Bài kiểm tra cuối khóa"}
MODULE_QUIZZES = {
    0: "Kiểm tra chuyên đề 1",
    1: "Kiểm tra chuyên đề 2",
    2: "Kiểm tra chuyên đề 3",
    3: "Kiểm tra chuyên đề 4",
    4: "Kiểm tra nhập môn",
}


def _link_quizzes(courses: list[CoursePage]) -> str:
    """Give each course's last module its quiz, when the quizzes demo has made it.

    Run after the demo progress, so the demo trainees' completions stand
    (they predate the quiz); trainees from now on pass the quiz to finish.
    """
    from quizzes.models import Quiz

    by_title = {quiz.title: quiz for quiz in Quiz.objects.filter(title__in=MODULE_QUIZZES.values()).order_by("-pk")}
    linked = 0
    for index, title in MODULE_QUIZZES.items():
        quiz = by_title.get(title)
        last = courses[index].modules().last() if index < len(courses) else None
        if quiz is None or last is None:
            continue
        if last.quiz_id != quiz.pk:
            last.quiz = quiz
            last.save_revision().publish()
        linked += 1
    finals = {quiz.title: quiz for quiz in Quiz.objects.filter(title__in=FINAL_TESTS.values()).order_by("-pk")}
    for index, title in FINAL_TESTS.items():
        quiz = finals.get(title)
        course = courses[index] if index < len(courses) else None
        if quiz is not None and course is not None and course.final_quiz_id != quiz.pk:
            course.final_quiz = quiz
            course.save_revision().publish()
    return f"bài kiểm tra của bài học đã gắn: {linked}/{len(MODULE_QUIZZES)}"


def seed(out) -> None:
    home = HomePage.objects.order_by("path").first()
    if home is None:
        out.write("Chưa có trang chủ (HomePage): hãy chạy migrate trước.")
        return
    courses, tally = _seed_pages(home)
    people = _seed_trainees()
    completed_modules = _seed_progress(courses, people)
    quizzes = _link_quizzes(courses)
    law = RegulationPage.objects.live().filter(document_number=LAW_2022, supersedes__isnull=False).first()
    refresher = services.refresher_run(regulation_id=law.pk) if law else None
    out.write(
        "Khóa học: {created} tạo mới, {updated} cập nhật, {unchanged} giữ nguyên; học viên mẫu: {people}; "
        "bài đã hoàn thành: {done}; {quizzes}; "
        "bồi dưỡng cập nhật: {flags} bài cần rà soát, {notices} thông báo.".format(
            **tally,
            people=len(people),
            done=completed_modules,
            quizzes=quizzes,
            flags=refresher.flags if refresher else 0,
            notices=refresher.notices if refresher else 0,
        )
    )
