"""Demo question banks and quizzes: one bank per topic of the 2015 Đà Nẵng conference.

Facts only from docs/domain (the conference reports and the public legal
landmarks). Each question cites the regulation page it tests, found by its
document number as ``cms.demo`` creates them (left empty if cms has not
been seeded). Courses link their module quizzes by the titles in
``MODULE_QUIZ_TITLES`` and ``FINAL_QUIZ_TITLE``.

Idempotent: categories, case studies and quizzes are found by name or
title, questions by their short name; a row is written only when the demo
content differs from what is stored, and a question's options are replaced
only when they changed.
"""

from __future__ import annotations

from decimal import Decimal

from cms.models import RegulationPage
from cms.sanitize import sanitize_html
from core.errors import ServiceError
from quizzes.models import CaseStudy, Category, Option, Question, QuestionType, Quiz, QuizRule
from quizzes.services import OptionData, QuestionData, fill_fractions, question_problems

LAW_2003 = "15/2003/QH11"
LAW_2022 = "06/2022/QH15"
CIRCULAR_13 = "13/2015/TT-BTTTT"
DIRECTIVE_39 = "39-CT/TW"
DIRECTIVE_105 = "105/CT-BTTTT"
PLAN_890 = "890/KH-BTTTT"

SINGLE, MULTIPLE, TRUE_FALSE = QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE
SHORT, MATCHING = QuestionType.SHORT, QuestionType.MATCHING

TOPICS = [
    {
        "name": "Chuyên đề 1: Những điểm mới của Luật Thi đua, khen thưởng",
        "description": (
            "Những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng và các văn bản "
            "hướng dẫn thi hành (chuyên đề 1, hội nghị tập huấn Đà Nẵng, 24–25/8/2015)."
        ),
    },
    {
        "name": "Chuyên đề 2: Thông tư số 13/2015/TT-BTTTT",
        "description": (
            "Hướng dẫn thực hiện Thông tư số 13/2015/TT-BTTTT ngày 08/6/2015 của Bộ TT&TT hướng dẫn công tác thi "
            "đua, khen thưởng trong ngành TT&TT (chuyên đề 2)."
        ),
    },
    {
        "name": "Chuyên đề 3: Phong trào thi đua yêu nước gắn với học tập và làm theo tấm gương đạo đức Hồ Chí Minh",
        "description": (
            "Phong trào thi đua yêu nước gắn với việc học tập và làm theo tấm gương đạo đức Hồ Chí Minh (chuyên đề 3)."
        ),
    },
    {
        "name": "Chuyên đề 4: Nâng cao chất lượng công tác thi đua, khen thưởng",
        "description": (
            "Nâng cao chất lượng công tác thi đua, khen thưởng và một số nội dung cần lưu ý trong công tác thi đua, "
            "khen thưởng hiện nay (chuyên đề 4)."
        ),
    },
]

CASE_DOSSIER = {
    "title": "Tình huống: hồ sơ khen thưởng cuối năm của một Sở TT&TT",
    "scenario": (
        "<p>Một cán bộ của Sở Thông tin và Truyền thông vừa được phân công kiêm nhiệm công tác thi đua, khen "
        "thưởng. Cuối năm, các phòng gửi báo cáo thành tích chậm; nhiều hồ sơ đề nghị khen thưởng thiếu thông tin; "
        "một phòng đề nghị tặng danh hiệu cho gần như toàn bộ cán bộ “cho đều”, dù phong trào thi đua trong năm "
        "không được tổ chức thường xuyên.</p>"
    ),
}


def q(name, qtype, stem, options, feedback, regulation, **extra) -> dict:
    return {
        "name": name,
        "qtype": qtype,
        "stem": f"<p>{stem}</p>",
        "options": options,
        "feedback": f"<p>{feedback}</p>",
        "regulation": regulation,
        **extra,
    }


def tf(answer: bool) -> list[tuple[str, bool]]:
    return [("Đúng", answer), ("Sai", not answer)]


# Options: (text, right) for choices; accepted answers for short answer; (left, right) pairs for matching.
QUESTIONS: list[list[dict]] = [
    # --- Chuyên đề 1 ---
    [
        q(
            "CĐ1-01 Số hiệu Luật năm 2003",
            SINGLE,
            "Luật Thi đua, khen thưởng do Quốc hội khóa XI thông qua năm 2003 có số hiệu là gì?",
            [("15/2003/QH11", True), ("06/2022/QH15", False), ("13/2015/TT-BTTTT", False), ("39-CT/TW", False)],
            "Luật Thi đua, khen thưởng năm 2003 có số hiệu 15/2003/QH11 (“QH11”: Quốc hội khóa XI).",
            LAW_2003,
            difficulty="easy",
        ),
        q(
            "CĐ1-02 Các lần sửa đổi Luật",
            MULTIPLE,
            "Luật Thi đua, khen thưởng số 15/2003/QH11 đã được sửa đổi, bổ sung vào những năm nào?",
            [("2005", True), ("2009", False), ("2013", True), ("2017", False)],
            "Luật số 15/2003/QH11 được sửa đổi, bổ sung năm 2005 và năm 2013.",
            LAW_2003,
            partial_credit=True,
        ),
        q(
            "CĐ1-03 Điểm mới là chuyên đề 1",
            TRUE_FALSE,
            "Những điểm mới của Luật sửa đổi, bổ sung một số điều của Luật Thi đua, khen thưởng năm 2013 là nội dung "
            "chuyên đề 1 của hội nghị tập huấn tại Đà Nẵng năm 2015.",
            tf(True),
            "Đúng. Chuyên đề 1 của hội nghị ngày 24–25/8/2015 giới thiệu những điểm mới của Luật sửa đổi, bổ sung "
            "năm 2013 và các văn bản hướng dẫn thi hành.",
            LAW_2003,
            difficulty="easy",
        ),
        q(
            "CĐ1-04 Ngày hiệu lực Luật 2022",
            SINGLE,
            "Luật Thi đua, khen thưởng số 06/2022/QH15 có hiệu lực thi hành từ ngày nào?",
            [("01/01/2023", False), ("01/01/2024", True), ("01/7/2024", False), ("01/01/2025", False)],
            "Luật số 06/2022/QH15 có hiệu lực thi hành từ ngày 01/01/2024.",
            LAW_2022,
        ),
        q(
            "CĐ1-05 Luật thay thế",
            SINGLE,
            "Văn bản nào thay thế Luật Thi đua, khen thưởng số 15/2003/QH11?",
            [
                ("Luật Thi đua, khen thưởng số 06/2022/QH15", True),
                ("Thông tư số 13/2015/TT-BTTTT", False),
                ("Chỉ thị số 39-CT/TW", False),
                ("Chỉ thị số 105/CT-BTTTT", False),
            ],
            "Luật Thi đua, khen thưởng số 06/2022/QH15 thay thế Luật số 15/2003/QH11 (đã sửa đổi, bổ sung năm 2005 "
            "và 2013).",
            LAW_2022,
        ),
        q(
            "CĐ1-06 Khóa Quốc hội thông qua Luật 2022",
            SHORT,
            "Phần “QH15” trong số hiệu 06/2022/QH15 cho biết Luật do Quốc hội khóa mấy thông qua? "
            "(ghi bằng số hoặc chữ số La Mã)",
            ["15", "XV", "khóa XV", "khóa 15"],
            "“QH15” là Quốc hội khóa XV: Luật Thi đua, khen thưởng năm 2022 do Quốc hội khóa XV thông qua.",
            LAW_2022,
            accent_insensitive=True,
        ),
        q(
            "CĐ1-07 Luật mới thay Luật cũ",
            TRUE_FALSE,
            "Từ ngày 01/01/2024, Luật Thi đua, khen thưởng số 06/2022/QH15 thay thế Luật số 15/2003/QH11.",
            tf(True),
            "Đúng. Luật số 06/2022/QH15 có hiệu lực từ 01/01/2024 và thay thế Luật số 15/2003/QH11.",
            LAW_2022,
            difficulty="easy",
        ),
        q(
            "CĐ1-08 Ghép số hiệu với loại văn bản",
            MATCHING,
            "Ghép mỗi số hiệu văn bản với loại văn bản của nó.",
            [
                ("15/2003/QH11", "Luật"),
                ("39-CT/TW", "Chỉ thị"),
                ("13/2015/TT-BTTTT", "Thông tư"),
                ("890/KH-BTTTT", "Kế hoạch"),
            ],
            "QH: luật do Quốc hội thông qua; CT: chỉ thị; TT: thông tư; KH: kế hoạch.",
            LAW_2003,
            partial_credit=True,
            marks=Decimal("2"),
        ),
        q(
            "CĐ1-09 Văn bản nào là Luật",
            MULTIPLE,
            "Trong các văn bản sau, văn bản nào là Luật Thi đua, khen thưởng?",
            [
                ("Văn bản số 15/2003/QH11", True),
                ("Văn bản số 06/2022/QH15", True),
                ("Văn bản số 13/2015/TT-BTTTT", False),
                ("Văn bản số 39-CT/TW", False),
            ],
            "Hai luật: số 15/2003/QH11 (Quốc hội khóa XI) và số 06/2022/QH15 (Quốc hội khóa XV). 13/2015/TT-BTTTT là "
            "thông tư, 39-CT/TW là chỉ thị.",
            LAW_2022,
        ),
        q(
            "CĐ1-10 Khóa Quốc hội thông qua Luật 2003",
            SINGLE,
            "Luật Thi đua, khen thưởng số 15/2003/QH11 do Quốc hội khóa nào thông qua?",
            [("Khóa IX", False), ("Khóa XI", True), ("Khóa XIII", False), ("Khóa XV", False)],
            "“QH11” trong số hiệu cho biết Luật do Quốc hội khóa XI thông qua năm 2003.",
            LAW_2003,
            difficulty="hard",
        ),
        q(
            "CĐ1-11 Luật năm 2003 còn hiệu lực",
            TRUE_FALSE,
            "Sau ngày 01/01/2024, Luật số 15/2003/QH11 vẫn là văn bản luật đang có hiệu lực về thi đua, khen thưởng.",
            tf(False),
            "Sai. Từ 01/01/2024, Luật số 06/2022/QH15 có hiệu lực và thay thế Luật số 15/2003/QH11.",
            LAW_2022,
        ),
    ],
    # --- Chuyên đề 2 ---
    [
        q(
            "CĐ2-01 Ngày ban hành Thông tư 13",
            SINGLE,
            "Thông tư số 13/2015/TT-BTTTT được ban hành ngày nào?",
            [("08/6/2015", True), ("24/8/2015", False), ("21/5/2004", False), ("19/12/2016", False)],
            "Thông tư số 13/2015/TT-BTTTT được ban hành ngày 08/6/2015.",
            CIRCULAR_13,
            difficulty="easy",
        ),
        q(
            "CĐ2-02 Cơ quan ban hành Thông tư 13",
            SINGLE,
            "Cơ quan nào ban hành Thông tư số 13/2015/TT-BTTTT?",
            [
                ("Quốc hội", False),
                ("Bộ Chính trị", False),
                ("Bộ Thông tin và Truyền thông", True),
                ("Bộ Tài nguyên và Môi trường", False),
            ],
            "“BTTTT” trong số hiệu là Bộ Thông tin và Truyền thông, cơ quan ban hành Thông tư.",
            CIRCULAR_13,
            difficulty="easy",
        ),
        q(
            "CĐ2-03 Phạm vi Thông tư 13",
            TRUE_FALSE,
            "Thông tư số 13/2015/TT-BTTTT hướng dẫn công tác thi đua, khen thưởng trong ngành Thông tin và Truyền "
            "thông.",
            tf(True),
            "Đúng. Thông tư hướng dẫn công tác thi đua, khen thưởng trong ngành TT&TT.",
            CIRCULAR_13,
            difficulty="easy",
        ),
        q(
            "CĐ2-04 Chữ TT trong số hiệu",
            SHORT,
            "Trong số hiệu 13/2015/TT-BTTTT, chữ viết tắt “TT” cho biết loại văn bản gì?",
            ["Thông tư"],
            "“TT” là Thông tư; “BTTTT” là cơ quan ban hành (Bộ TT&TT).",
            CIRCULAR_13,
            accent_insensitive=True,
        ),
        q(
            "CĐ2-05 Đọc số hiệu văn bản",
            MATCHING,
            "Ghép từng phần của số hiệu 13/2015/TT-BTTTT với ý nghĩa của nó.",
            [
                ("13", "Số thứ tự của văn bản"),
                ("2015", "Năm ban hành"),
                ("TT", "Loại văn bản: Thông tư"),
                ("BTTTT", "Cơ quan ban hành: Bộ TT&TT"),
            ],
            "13/2015/TT-BTTTT: Thông tư số 13 năm 2015 của Bộ Thông tin và Truyền thông.",
            CIRCULAR_13,
            partial_credit=True,
            marks=Decimal("2"),
        ),
        q(
            "CĐ2-06 Đối tượng tập huấn 2015",
            MULTIPLE,
            "Hội nghị tập huấn ngày 24–25/8/2015 tại Đà Nẵng dành cho cán bộ làm công tác thi đua, khen thưởng ở đâu?",
            [
                ("Các cơ quan, đơn vị, doanh nghiệp thuộc Bộ TT&TT", True),
                ("Các Sở Thông tin và Truyền thông", True),
                ("Các đơn vị thuộc Bộ Tài nguyên và Môi trường", False),
            ],
            "Hội nghị dành cho cán bộ làm công tác thi đua, khen thưởng tại các cơ quan, đơn vị, doanh nghiệp thuộc "
            "Bộ và các Sở TT&TT.",
            CIRCULAR_13,
        ),
        q(
            "CĐ2-07 Thời gian và địa điểm",
            SINGLE,
            "Hội nghị tập huấn có chuyên đề hướng dẫn Thông tư số 13/2015/TT-BTTTT được tổ chức ở đâu, khi nào?",
            [
                ("Đà Nẵng, ngày 24–25/8/2015", True),
                ("Hà Nội, ngày 02/12/2009", False),
                ("Đà Lạt, ngày 02/6/2022", False),
                ("Hà Nội, ngày 15/3/2019", False),
            ],
            "Hội nghị hai ngày 24–25/8/2015 tại Đà Nẵng, do Bộ TT&TT tổ chức.",
            CIRCULAR_13,
        ),
        q(
            "CĐ2-08 Người khai mạc hội nghị",
            SINGLE,
            "Ai khai mạc hội nghị tập huấn tại Đà Nẵng năm 2015?",
            [
                ("Thứ trưởng Lê Nam Thắng, Phó Chủ tịch Thường trực Hội đồng Thi đua – Khen thưởng Bộ", True),
                ("Trưởng Ban Thi đua – Khen thưởng Trung ương", False),
                ("Chủ tịch Công đoàn Thông tin và Truyền thông Việt Nam", False),
            ],
            "Thứ trưởng Lê Nam Thắng, Phó Chủ tịch Thường trực Hội đồng Thi đua – Khen thưởng của Bộ, khai mạc "
            "hội nghị.",
            CIRCULAR_13,
            difficulty="hard",
        ),
        q(
            "CĐ2-09 Thông tư 13 là chuyên đề 2",
            TRUE_FALSE,
            "Hướng dẫn thực hiện Thông tư số 13/2015/TT-BTTTT là chuyên đề thứ hai của hội nghị tập huấn năm 2015.",
            tf(True),
            "Đúng. Bốn chuyên đề: Luật sửa đổi (1), Thông tư 13/2015/TT-BTTTT (2), phong trào thi đua gắn với học "
            "tập và làm theo tấm gương đạo đức Hồ Chí Minh (3), nâng cao chất lượng công tác (4).",
            CIRCULAR_13,
        ),
        q(
            "CĐ2-10 Thông tư do Quốc hội ban hành",
            TRUE_FALSE,
            "Thông tư số 13/2015/TT-BTTTT do Quốc hội ban hành.",
            tf(False),
            "Sai. Thông tư do Bộ Thông tin và Truyền thông ban hành; Quốc hội thông qua luật.",
            CIRCULAR_13,
            difficulty="easy",
        ),
        q(
            "CĐ2-11 Thời lượng hội nghị",
            SINGLE,
            "Hội nghị tập huấn tại Đà Nẵng năm 2015 kéo dài bao lâu và gồm mấy chuyên đề?",
            [("1 ngày, 3 chuyên đề", False), ("2 ngày, 4 chuyên đề", True), ("3 ngày, 5 chuyên đề", False)],
            "Hội nghị kéo dài hai ngày (24–25/8/2015) với bốn chuyên đề.",
            CIRCULAR_13,
        ),
    ],
    # --- Chuyên đề 3 ---
    [
        q(
            "CĐ3-01 Ngày ban hành Chỉ thị 39",
            SINGLE,
            "Chỉ thị số 39-CT/TW được ban hành ngày nào?",
            [("21/5/2004", True), ("02/12/2009", False), ("08/6/2015", False), ("01/01/2024", False)],
            "Chỉ thị số 39-CT/TW được ban hành ngày 21/5/2004.",
            DIRECTIVE_39,
            difficulty="easy",
        ),
        q(
            "CĐ3-02 Cơ quan ban hành Chỉ thị 39",
            SINGLE,
            "Cơ quan nào ban hành Chỉ thị số 39-CT/TW?",
            [
                ("Bộ Chính trị (khóa IX)", True),
                ("Quốc hội khóa XI", False),
                ("Bộ Thông tin và Truyền thông", False),
                ("Thủ tướng Chính phủ", False),
            ],
            "Chỉ thị số 39-CT/TW do Bộ Chính trị khóa IX ban hành.",
            DIRECTIVE_39,
        ),
        q(
            "CĐ3-03 Nội dung Chỉ thị 39",
            MULTIPLE,
            "Chỉ thị số 39-CT/TW đề cập những nội dung nào?",
            [
                ("Tiếp tục đổi mới, đẩy mạnh phong trào thi đua yêu nước", True),
                ("Phát hiện, bồi dưỡng và nhân rộng các điển hình tiên tiến", True),
                ("Thay thế Luật Thi đua, khen thưởng", False),
                ("Quy định mẫu giấy chứng nhận tập huấn", False),
            ],
            "Chỉ thị về tiếp tục đổi mới, đẩy mạnh phong trào thi đua yêu nước, phát hiện, bồi dưỡng và nhân rộng "
            "các điển hình tiên tiến.",
            DIRECTIVE_39,
        ),
        q(
            "CĐ3-04 Cờ thi đua của Chính phủ",
            SINGLE,
            "Trong 5 năm thực hiện Chỉ thị số 39-CT/TW (sơ kết ngày 02/12/2009), bao nhiêu tập thể của ngành TT&TT "
            "nhận Cờ thi đua của Chính phủ?",
            [("22", False), ("92", True), ("95", False), ("1.007", False)],
            "92 tập thể nhận Cờ thi đua của Chính phủ; 1.007 tập thể nhận Cờ thi đua của Bộ.",
            DIRECTIVE_39,
            difficulty="hard",
        ),
        q(
            "CĐ3-05 Kết quả 5 năm",
            MATCHING,
            "Ghép mỗi hình thức khen thưởng với số tập thể của ngành TT&TT nhận được trong 5 năm thực hiện Chỉ thị "
            "số 39-CT/TW.",
            [
                ("Danh hiệu Anh hùng Lao động", "3 tập thể"),
                ("Huân chương Lao động hạng Ba", "19 tập thể"),
                ("Bằng khen của Thủ tướng Chính phủ", "22 tập thể"),
                ("Cờ thi đua của Bộ", "1.007 tập thể"),
            ],
            "Sơ kết ngày 02/12/2009: 3 tập thể Anh hùng Lao động, 19 tập thể Huân chương Lao động hạng Ba, 22 tập "
            "thể Bằng khen của Thủ tướng Chính phủ, 1.007 tập thể Cờ thi đua của Bộ.",
            DIRECTIVE_39,
            partial_credit=True,
            marks=Decimal("2"),
            difficulty="hard",
        ),
        q(
            "CĐ3-06 Danh hiệu của 95 cá nhân",
            SHORT,
            "Trong 5 năm thực hiện Chỉ thị số 39-CT/TW, 95 cá nhân của ngành TT&TT đạt danh hiệu gì?",
            ["Chiến sĩ thi đua toàn quốc"],
            "95 cá nhân đạt danh hiệu Chiến sĩ thi đua toàn quốc.",
            DIRECTIVE_39,
            accent_insensitive=True,
        ),
        q(
            "CĐ3-07 Ngày sơ kết",
            TRUE_FALSE,
            "Bộ Thông tin và Truyền thông sơ kết 5 năm thực hiện Chỉ thị số 39-CT/TW vào ngày 02/12/2009.",
            tf(True),
            "Đúng. Hội nghị sơ kết được tổ chức tại Hà Nội ngày 02/12/2009.",
            DIRECTIVE_39,
            difficulty="easy",
        ),
        q(
            "CĐ3-08 Phong trào do Thủ tướng phát động",
            MULTIPLE,
            "Những phong trào thi đua nào do Thủ tướng Chính phủ phát động?",
            [
                ("“Doanh nghiệp hội nhập và phát triển”", True),
                ("“Cả nước chung sức xây dựng nông thôn mới” (2016–2020)", True),
                ("“Cả nước chung tay vì người nghèo – không để ai bị bỏ lại phía sau”", True),
                ("“Thi đua sáng tạo, đổi mới và hiệu quả”", False),
            ],
            "Ba phong trào đầu do Thủ tướng Chính phủ phát động; “Thi đua sáng tạo, đổi mới và hiệu quả” do Công "
            "đoàn ngành Thông tin và Truyền thông phát động (văn bản số 664/BTTTT-TĐKT ngày 03/3/2017).",
            DIRECTIVE_105,
            partial_credit=True,
        ),
        q(
            "CĐ3-09 Phong trào của Công đoàn ngành",
            SINGLE,
            "Phong trào “Thi đua sáng tạo, đổi mới và hiệu quả” do ai phát động?",
            [
                ("Thủ tướng Chính phủ", False),
                ("Công đoàn ngành Thông tin và Truyền thông", True),
                ("Bộ Chính trị", False),
            ],
            "Phong trào do Công đoàn ngành TT&TT phát động; Bộ hướng dẫn tại văn bản số 664/BTTTT-TĐKT ngày 03/3/2017.",
            DIRECTIVE_105,
        ),
        q(
            "CĐ3-10 Khen thưởng trên cơ sở thi đua",
            TRUE_FALSE,
            "Một bài học rút ra sau 5 năm thực hiện Chỉ thị số 39-CT/TW: khen thưởng phải trên cơ sở kết quả thi đua.",
            tf(True),
            "Đúng. Khen thưởng phải trên cơ sở kết quả thi đua; thi đua phải thường xuyên, gắn với nhiệm vụ chính "
            "trị của đơn vị.",
            DIRECTIVE_39,
        ),
        q(
            "CĐ3-11 Điển hình tiên tiến năm 2017",
            TRUE_FALSE,
            "Năm 2017, ngành TT&TT có ba điển hình tiên tiến được tôn vinh trên toàn quốc.",
            tf(True),
            "Đúng: một phóng viên Vietnamnet (viết về môi trường), Phó Giám đốc Trung tâm Internet Việt Nam (bảo vệ "
            "hạ tầng Internet) và một giám đốc trung tâm VNPT tỉnh (giải nhất “Sáng tạo VNPT” 2016).",
            DIRECTIVE_105,
            difficulty="hard",
        ),
    ],
    # --- Chuyên đề 4 ---
    [
        q(
            "CĐ4-01 Thực trạng đội ngũ",
            MULTIPLE,
            "Các hội nghị tập huấn nêu những hạn chế nào trong công tác thi đua, khen thưởng?",
            [
                ("Cán bộ tham mưu chủ yếu kiêm nhiệm, hay thay đổi", True),
                ("Các đơn vị báo cáo chậm", True),
                ("Hồ sơ khen thưởng chất lượng chưa đồng đều", True),
                ("Cán bộ đều chuyên trách và ổn định lâu năm", False),
            ],
            "Cán bộ kiêm nhiệm, hay thay đổi nên chưa chuyên nghiệp; báo cáo chậm; hồ sơ chưa đồng đều.",
            PLAN_890,
            partial_credit=True,
        ),
        q(
            "CĐ4-02 Tràn lan, cào bằng",
            SHORT,
            "Điền từ còn thiếu: khen thưởng còn “tràn lan, ……”, chưa kịp thời, chưa chính xác.",
            ["cào bằng"],
            "Khen thưởng “tràn lan, cào bằng” là hạn chế cần khắc phục.",
            DIRECTIVE_39,
            accent_insensitive=True,
        ),
        q(
            "CĐ4-03 Thủ tục khen thưởng",
            TRUE_FALSE,
            "Thủ tục khen thưởng cần chặt chẽ nhưng đơn giản.",
            tf(True),
            "Đúng. Đây là một bài học sau 5 năm thực hiện Chỉ thị số 39-CT/TW.",
            DIRECTIVE_39,
            difficulty="easy",
        ),
        q(
            "CĐ4-04 Kế hoạch 890",
            SINGLE,
            "Kế hoạch số 890/KH-BTTTT ngày 17/3/2017 của Bộ TT&TT về nội dung gì?",
            [
                ("Tập huấn nghiệp vụ công tác thi đua, khen thưởng", True),
                ("Tuyên truyền các phong trào thi đua và điển hình tiên tiến", False),
                ("Lựa chọn điển hình tiên tiến", False),
                ("Công tác thi đua, khen thưởng năm 2017", False),
            ],
            "Kế hoạch 890/KH-BTTTT về tập huấn nghiệp vụ; 1412/KH-BTTTT về tuyên truyền; 1249/BTTTT-TĐKT về lựa "
            "chọn điển hình; Chỉ thị 105/CT-BTTTT về công tác năm 2017.",
            PLAN_890,
        ),
        q(
            "CĐ4-05 Văn bản năm 2017",
            MATCHING,
            "Ghép mỗi văn bản năm 2017 của Bộ TT&TT với nội dung của nó.",
            [
                ("Chỉ thị số 105/CT-BTTTT", "Công tác thi đua, khen thưởng năm 2017"),
                ("Kế hoạch số 890/KH-BTTTT", "Tập huấn nghiệp vụ thi đua, khen thưởng"),
                ("Kế hoạch số 1412/KH-BTTTT", "Tuyên truyền phong trào thi đua và điển hình tiên tiến"),
                ("Văn bản số 1249/BTTTT-TĐKT", "Lựa chọn điển hình tiên tiến"),
            ],
            "105/CT-BTTTT (19/12/2016), 890/KH-BTTTT (17/3/2017), 1412/KH-BTTTT (25/4/2017), 1249/BTTTT-TĐKT "
            "(13/4/2017).",
            DIRECTIVE_105,
            partial_credit=True,
            marks=Decimal("2"),
            difficulty="hard",
        ),
        q(
            "CĐ4-06 Khen thưởng đột xuất",
            TRUE_FALSE,
            "Khen thưởng đột xuất không cần được coi trọng, vì khen thưởng chỉ xét vào cuối năm.",
            tf(False),
            "Sai. Bài học sau 5 năm thực hiện Chỉ thị số 39-CT/TW: coi trọng khen thưởng đột xuất.",
            DIRECTIVE_39,
        ),
        q(
            "CĐ4-07 Ai tổ chức tập huấn",
            SINGLE,
            "Theo bài học sơ kết Chỉ thị số 39-CT/TW của Bộ TT&TT, đơn vị nào cần tổ chức các lớp tập huấn nghiệp vụ "
            "thi đua, khen thưởng?",
            [("Vụ Tổ chức cán bộ", True), ("Công đoàn ngành", False), ("Từng cán bộ tự học", False)],
            "Vụ Tổ chức cán bộ cần tổ chức các lớp tập huấn nghiệp vụ về công tác thi đua, khen thưởng.",
            DIRECTIVE_39,
        ),
        q(
            "CĐ4-08 Thi đua thường xuyên",
            TRUE_FALSE,
            "Thi đua phải được tổ chức thường xuyên và gắn với nhiệm vụ chính trị của từng đơn vị.",
            tf(True),
            "Đúng. Đây là bài học đầu tiên rút ra sau 5 năm thực hiện Chỉ thị số 39-CT/TW.",
            DIRECTIVE_39,
            difficulty="easy",
        ),
        q(
            "CĐ4-09 Văn bản 1249",
            SINGLE,
            "Văn bản số 1249/BTTTT-TĐKT ngày 13/4/2017 của Bộ TT&TT về việc gì?",
            [
                ("Lựa chọn điển hình tiên tiến", True),
                ("Phát động phong trào “Thi đua sáng tạo, đổi mới và hiệu quả”", False),
                ("Tập huấn nghiệp vụ", False),
            ],
            "Văn bản số 1249/BTTTT-TĐKT về việc lựa chọn điển hình tiên tiến.",
            DIRECTIVE_105,
            difficulty="hard",
        ),
        q(
            "CĐ4-10 Tình huống: cho đều",
            SINGLE,
            "Trong tình huống, đề nghị tặng danh hiệu cho gần như toàn bộ cán bộ “cho đều” là biểu hiện của hạn chế "
            "nào?",
            [
                ("Khen thưởng tràn lan, cào bằng", True),
                ("Khen thưởng đột xuất", False),
                ("Thủ tục chặt chẽ nhưng đơn giản", False),
            ],
            "Khen thưởng “cho đều” là khen thưởng tràn lan, cào bằng; khen thưởng phải trên cơ sở kết quả thi đua.",
            DIRECTIVE_39,
            case=CASE_DOSSIER["title"],
        ),
        q(
            "CĐ4-11 Tình huống: việc cần làm",
            MULTIPLE,
            "Trong tình huống, Sở nên làm gì để nâng cao chất lượng công tác thi đua, khen thưởng?",
            [
                ("Tổ chức phong trào thi đua thường xuyên, gắn với nhiệm vụ chính trị của Sở", True),
                ("Xét khen thưởng trên cơ sở kết quả thi đua", True),
                ("Cho cán bộ kiêm nhiệm được tập huấn nghiệp vụ", True),
                ("Tặng danh hiệu cho tất cả để giữ đoàn kết", False),
            ],
            "Thi đua thường xuyên, gắn với nhiệm vụ chính trị; khen thưởng trên cơ sở kết quả thi đua; tập huấn "
            "nghiệp vụ cho cán bộ tham mưu.",
            DIRECTIVE_39,
            case=CASE_DOSSIER["title"],
            partial_credit=True,
        ),
        q(
            "CĐ4-12 Tình huống: chờ hội nghị năm sau",
            TRUE_FALSE,
            "Trong tình huống, cán bộ mới được phân công nên chờ đến hội nghị tập huấn năm sau mới học nghiệp vụ.",
            tf(False),
            "Sai. Cán bộ kiêm nhiệm mới được phân công cần được bồi dưỡng ngay: các khóa học trực tuyến trên nền "
            "tảng này có thể học bất cứ lúc nào.",
            PLAN_890,
            case=CASE_DOSSIER["title"],
        ),
    ],
]

MODULE_QUIZ_TITLES = [f"Kiểm tra chuyên đề {n}" for n in range(1, 5)]
FINAL_QUIZ_TITLE = "Bài kiểm tra cuối khóa"
ONBOARDING_QUIZ_TITLE = "Kiểm tra nhập môn"


def quiz_specs() -> list[dict]:
    module = {
        "time_limit_minutes": 10,
        "questions_per_page": 0,
        "pass_percent": Decimal("60"),
        "max_attempts": 3,
        "grading_method": "highest",
        "review_when": "after_submit",
        "grace_seconds": 60,
    }
    specs = [
        {
            "title": title,
            "description": f"5 câu hỏi ngẫu nhiên từ ngân hàng “{topic['name']}”; làm trong 10 phút; đạt từ 60%.",
            "rules": [(index, 5)],
            **module,
        }
        for index, (title, topic) in enumerate(zip(MODULE_QUIZ_TITLES, TOPICS, strict=True))
    ]
    specs.append(
        {
            "title": FINAL_QUIZ_TITLE,
            "description": "20 câu hỏi ngẫu nhiên, 5 câu mỗi chuyên đề; làm trong 20 phút; đạt từ 70%.",
            "rules": [(index, 5) for index in range(4)],
            **module,
            "time_limit_minutes": 20,
            "questions_per_page": 5,
            "pass_percent": Decimal("70"),
            "max_attempts": 2,
        }
    )
    specs.append(
        {
            "title": ONBOARDING_QUIZ_TITLE,
            "description": "8 câu hỏi làm quen, 2 câu mỗi chuyên đề; không giới hạn thời gian và số lần làm.",
            "rules": [(index, 2) for index in range(4)],
            **module,
            "time_limit_minutes": None,
            "pass_percent": Decimal("50"),
            "max_attempts": 0,
        }
    )
    return specs


def _question_data(spec: dict) -> QuestionData:
    """The question as it will be stored (sanitised, as the models' save() would), to compare with what is."""
    qtype = spec["qtype"]
    if qtype == MATCHING:
        options = [
            OptionData(sanitize_html(left), is_correct=True, match_text=right) for left, right in spec["options"]
        ]
    elif qtype == SHORT:
        options = [OptionData(sanitize_html(text), is_correct=True) for text in spec["options"]]
    else:
        options = [OptionData(sanitize_html(text), is_correct=right) for text, right in spec["options"]]
    data = QuestionData(
        qtype=qtype,
        stem=sanitize_html(spec["stem"]),
        options=options,
        name=spec["name"],
        feedback=sanitize_html(spec["feedback"]),
        marks=spec.get("marks", Decimal("1")),
        difficulty=spec.get("difficulty", "medium"),
        partial_credit=spec.get("partial_credit", False),
        accent_insensitive=spec.get("accent_insensitive", False),
        regulation_number=spec["regulation"],
        case_study=spec.get("case", ""),
    )
    fill_fractions(data)
    return data


def _sync_question(category: Category, data: QuestionData, regulation, case) -> str:
    fields = {
        "qtype": data.qtype,
        "stem": data.stem,
        "feedback": data.feedback,
        "marks": data.marks,
        "difficulty": data.difficulty,
        "partial_credit": data.partial_credit,
        "accent_insensitive": data.accent_insensitive,
        "regulation": regulation,
        "article": data.article,
        "case_study": case,
        "is_active": True,
    }
    question = Question.objects.filter(category=category, name=data.name).first()
    created = question is None
    if created:
        question = Question(category=category, name=data.name)
    changed = created
    for name, value in fields.items():
        if getattr(question, name) != value:
            setattr(question, name, value)
            changed = True
    if changed:
        question.save()
    wanted = [(o.text, o.fraction, o.match_text) for o in data.options]
    stored = list(question.options.order_by("sort_order", "pk").values_list("text", "fraction", "match_text"))
    if stored != wanted:
        question.options.all().delete()
        for index, option in enumerate(data.options):
            Option.objects.create(
                question=question,
                sort_order=index,
                text=option.text,
                is_correct=option.is_correct,
                fraction=option.fraction,
                match_text=option.match_text,
            )
        changed = True
    return "created" if created else ("updated" if changed else "unchanged")


def _sync_quiz(spec: dict, categories: list[Category]) -> str:
    spec = dict(spec)
    rules = [(categories[index], count) for index, count in spec.pop("rules")]
    quiz = Quiz.objects.filter(title=spec["title"]).order_by("pk").first()
    created = quiz is None
    if created:
        quiz = Quiz(title=spec["title"])
    changed = created
    for name, value in spec.items():
        if getattr(quiz, name) != value:
            setattr(quiz, name, value)
            changed = True
    if changed:
        quiz.save()
    stored = list(quiz.rules.order_by("sort_order").values_list("category_id", "count"))
    if stored != [(category.pk, count) for category, count in rules]:
        quiz.rules.all().delete()
        for index, (category, count) in enumerate(rules):
            QuizRule.objects.create(quiz=quiz, category=category, count=count, sort_order=index)
        changed = True
    return "created" if created else ("updated" if changed else "unchanged")


def seed(out) -> None:
    numbers = {spec["regulation"] for topic in QUESTIONS for spec in topic}
    regulations = {r.document_number: r for r in RegulationPage.objects.filter(document_number__in=numbers)}
    scenario = sanitize_html(CASE_DOSSIER["scenario"])
    case, case_created = CaseStudy.objects.get_or_create(title=CASE_DOSSIER["title"], defaults={"scenario": scenario})
    if not case_created and case.scenario != scenario:
        case.scenario = scenario
        case.save()
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    categories = []
    for topic, questions in zip(TOPICS, QUESTIONS, strict=True):
        category, created = Category.objects.get_or_create(
            name=topic["name"], defaults={"description": topic["description"]}
        )
        if not created and category.description != topic["description"]:
            category.description = topic["description"]
            category.save()
        categories.append(category)
        for spec in questions:
            data = _question_data(spec)
            problems = question_problems(data)
            if problems:
                raise ServiceError("invalid_demo_question", f"{data.name}: {problems[0]}")
            outcome = _sync_question(
                category, data, regulations.get(data.regulation_number), case if data.case_study else None
            )
            tally[outcome] += 1
    quizzes = {"created": 0, "updated": 0, "unchanged": 0}
    for spec in quiz_specs():
        quizzes[_sync_quiz(spec, categories)] += 1
    missing = sorted(numbers - set(regulations))
    out.write(
        "Ngân hàng câu hỏi: {banks} chuyên đề, câu hỏi {created} tạo mới, {updated} cập nhật, {unchanged} giữ "
        "nguyên; bài kiểm tra: {q_created} tạo mới, {q_updated} cập nhật, {q_unchanged} giữ nguyên.".format(
            banks=len(categories),
            **tally,
            q_created=quizzes["created"],
            q_updated=quizzes["updated"],
            q_unchanged=quizzes["unchanged"],
        )
    )
    if missing:
        out.write("Chưa có trang văn bản (hãy chạy phần cms trước): " + ", ".join(missing))
