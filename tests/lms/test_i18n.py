"""The interface reads in Vietnamese: our catalogue, allauth's, and the pages and emails they feed."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = {
    "ours": LOCALE / "vi" / "LC_MESSAGES" / "django.po",
    "allauth": LOCALE / "allauth" / "vi" / "LC_MESSAGES" / "django.po",
}

# allauth's English that must never show on a Vietnamese page.
ENGLISH = ["Sign In", "Password", "Forgot your password?", "Sign Up", "Two-Factor Authentication"]

PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}")


# --- Catalogues -------------------------------------------------------------


def _entries(catalogue):
    return [e for e in catalogue if e.msgid and not e.obsolete]


def _translations(catalogue) -> dict:
    """(context, msgid) -> what the reader sees: msgstr, or the plural forms in order."""
    table = {}
    for e in _entries(catalogue):
        if e.msgid_plural:
            table[(e.msgctxt, e.msgid)] = tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural, key=int))
        else:
            table[(e.msgctxt, e.msgid)] = e.msgstr
    return table


@pytest.fixture(params=sorted(CATALOGUES), ids=sorted(CATALOGUES))
def po(request):
    return polib.pofile(str(CATALOGUES[request.param]))


def test_catalogue_is_vietnamese_with_one_plural_form(po):
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated(po):
    entries = _entries(po)
    assert len(entries) > 50
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [e.msgid for e in entries if not all(e.msgstr_plural.values() if e.msgid_plural else [e.msgstr])]
    assert not empty, f"untranslated entries: {empty}"
    assert not [e for e in po if e.obsolete], "obsolete entries: run makemessages with --no-obsolete"


def test_translations_keep_the_placeholders(po):
    broken = []
    for e in _entries(po):
        translations = e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]
        source = PLACEHOLDER.findall(e.msgid) + PLACEHOLDER.findall(e.msgid_plural or "")
        for text in translations:
            # Vietnamese has one plural form, so it may use the placeholders of either English form.
            if not set(PLACEHOLDER.findall(text)) <= set(source) or (
                not e.msgid_plural and sorted(PLACEHOLDER.findall(text)) != sorted(source)
            ):
                broken.append((e.msgid, text))
    assert not broken


def test_compiled_catalogue_matches_its_source(po):
    mo = polib.mofile(str(Path(po.fpath).with_suffix(".mo")))
    assert _translations(mo) == _translations(po), "recompile: msgfmt -o django.mo django.po"


def test_django_loads_both_catalogues():
    from django.utils import translation

    # Variables, not literals, so that makemessages does not collect these msgids.
    allauths, ours = "Forgot your password?", "Full name"
    with translation.override("vi"):
        assert translation.gettext(allauths) == "Quên mật khẩu?"
        assert translation.gettext(ours) == "Họ và tên"
    with translation.override("en"):
        assert translation.gettext(allauths) == allauths


# --- Pages ------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text a person meets: element text plus the attributes read out or shown."""

    ATTRIBUTES = {"placeholder", "alt", "title", "aria-label"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.lang = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        self.parts.extend(value for name, value in attrs.items() if name in self.ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(response) -> tuple[str, str | None]:
    assert response.status_code == 200, response
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split()), parser.lang


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sign_in(client, user):
    client.force_login(user)
    # allauth wants the password again, recently, before an authenticator is added.
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


ANONYMOUS_PAGES = {
    "account_login": ["Đăng nhập", "Mật khẩu", "Quên mật khẩu?", "Ghi nhớ đăng nhập", "Gửi mã đăng nhập qua email"],
    "account_signup": ["Đăng ký", "Họ và tên", "Mật khẩu", "Nhập lại mật khẩu", "Đã có tài khoản?", "không bắt buộc"],
    "account_reset_password": ["Đặt lại mật khẩu", "Quên mật khẩu? Hãy nhập địa chỉ email của bạn"],
    "account_request_login_code": ["Đăng nhập", "Gửi mã", "đăng nhập mà không cần mật khẩu"],
}
ANONYMOUS_PAGES_EN = {
    "account_login": ["Sign In", "Password", "Forgot your password?", "Remember Me"],
    "account_signup": ["Sign Up", "Full name", "Password (again)"],
    "account_reset_password": ["Password Reset", "Reset My Password"],
    "account_request_login_code": ["Sign In", "Request Code"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ANONYMOUS_PAGES))
def test_entrance_pages_are_vietnamese_by_default(client, name):
    text, lang = visible(client.get(reverse(name)))
    assert lang == "vi"
    for phrase in ANONYMOUS_PAGES[name]:
        assert phrase in text, phrase
    for phrase in ENGLISH:
        assert phrase not in text, phrase


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ANONYMOUS_PAGES_EN))
def test_entrance_pages_follow_the_english_cookie(client, name):
    text, lang = visible(english(client).get(reverse(name)))
    assert lang == "en"
    for phrase in ANONYMOUS_PAGES_EN[name]:
        assert phrase in text, phrase
    assert "Mật khẩu" not in text


@pytest.mark.django_db
def test_login_form_is_accessible(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<label for="id_login">' in html
    assert '<label for="id_password">Mật khẩu</label>' in html
    # The "forgot password" link is the password's help, tied to the input.
    assert 'aria-describedby="id_password_helptext"' in html
    assert 'id="id_password_helptext"' in html
    assert 'autocomplete="current-password"' in html
    assert html.count('<div class="field') == 3  # email, password, remember me
    assert 'class="button"' in html


@pytest.mark.django_db
def test_sign_up_errors_are_vietnamese_and_tied_to_their_fields(client):
    response = client.post(
        reverse("account_signup"), {"full_name": "", "email": "khong-phai-email", "password1": "ngan", "password2": "x"}
    )
    text, _lang = visible(response)
    html = response.content.decode()
    assert "Vui lòng kiểm tra lại thông tin đã nhập" in text
    assert 'role="alert"' in html
    assert "Mật khẩu quá ngắn. Mật khẩu phải có ít nhất 10 ký tự." in text  # Django's gap, filled by us
    assert "This password is too short" not in text
    assert "Email: Vui lòng nhập địa chỉ email hợp lệ." in text  # Django's own says "Nhập địa chỉ email."
    assert 'id="id_full_name_error"' in html
    assert 'aria-describedby="id_full_name_error"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_failed_sign_in_says_so_in_vietnamese(client, trainee):
    response = client.post(reverse("account_login"), {"login": trainee.email, "password": "sai-mat-khau"})
    text, _lang = visible(response)
    assert "Địa chỉ email hoặc mật khẩu bạn nhập không đúng." in text


@pytest.mark.django_db
def test_two_factor_index_is_vietnamese(client, trainee):
    sign_in(client, trainee)
    text, lang = visible(client.get(reverse("mfa_index")))
    assert lang == "vi"
    for phrase in ["Xác thực hai lớp", "Ứng dụng xác thực", "Mã khôi phục", "Chưa bật ứng dụng xác thực.", "Bật"]:
        assert phrase in text, phrase
    for phrase in ENGLISH:
        assert phrase not in text, phrase


@pytest.mark.django_db
def test_two_factor_index_follows_the_english_cookie(client, trainee):
    sign_in(english(client), trainee)
    text, lang = visible(client.get(reverse("mfa_index")))
    assert lang == "en"
    assert "Two-Factor Authentication" in text
    assert "Authenticator App" in text
    assert "Xác thực hai lớp" not in text


@pytest.mark.django_db
def test_totp_activation_page_is_vietnamese_and_shows_qr_code_and_secret(client, trainee):
    sign_in(client, trainee)
    response = client.get(reverse("mfa_activate_totp"))
    text, lang = visible(response)
    html = response.content.decode()
    assert lang == "vi"
    for phrase in [
        "Bật ứng dụng xác thực",
        "quét mã QR",
        "Khóa bí mật",
        "Mã xác thực",
        "Mã QR để quét bằng ứng dụng xác thực",
    ]:
        assert phrase in text, phrase
    for phrase in ENGLISH:
        assert phrase not in text, phrase
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="[^"]+"', html)
    secret = re.search(r'<input readonly id="authenticator_secret"[^>]* value="([A-Z2-7]{16,})"', html)
    assert secret, "the secret is shown in a readonly (copyable) field"
    assert '<label for="authenticator_secret">' in html.replace("\n", "").replace("    ", "")
    assert 'aria-describedby="authenticator_secret_helptext"' in html
    assert 'autocomplete="one-time-code"' in html


@pytest.mark.django_db
def test_totp_activation_page_follows_the_english_cookie(client, trainee):
    sign_in(english(client), trainee)
    text, lang = visible(client.get(reverse("mfa_activate_totp")))
    assert lang == "en"
    assert "Activate Authenticator App" in text
    assert "Authenticator secret" in text


@pytest.mark.django_db
def test_account_pages_carry_the_account_menu(client, trainee):
    sign_in(client, trainee)
    html = client.get(reverse("account_email")).content.decode()
    assert 'aria-label="Cài đặt tài khoản"' in html
    assert f'<a href="{reverse("account_email")}" aria-current="page">Địa chỉ email</a>' in html
    assert f'<a href="{reverse("mfa_index")}">Xác thực hai lớp</a>' in html


# --- Email ------------------------------------------------------------------


SIGN_UP = {
    "full_name": "Trần Thị Bình",
    "email": "tran.thi.binh@example.vn",
    "password1": "Thi-dua-khen-thuong-2024",
    "password2": "Thi-dua-khen-thuong-2024",
}


@pytest.fixture
def post_and_commit(django_capture_on_commit_callbacks):
    """Post, then run the on_commit hooks: the adapter queues emails for after the commit."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


@pytest.mark.django_db
def test_sign_up_verification_email_is_vietnamese(client, mailoutbox, post_and_commit):
    response = post_and_commit(client, reverse("account_signup"), SIGN_UP)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [SIGN_UP["email"]]
    assert message.subject == "[TĐKT] Vui lòng xác nhận địa chỉ email của bạn"
    body = message.body
    assert "Xin chào, thư này được gửi từ Đào tạo Thi đua – Khen thưởng." in body
    assert "Bạn nhận được thư này vì người dùng" in body
    assert "để đăng ký tài khoản trên" in body
    assert "Để xác nhận đúng là bạn, vui lòng mở liên kết sau: http" in body
    assert "/accounts/confirm-email/" in body
    assert "Cảm ơn bạn đã sử dụng Đào tạo Thi đua – Khen thưởng!" in body
    for phrase in [
        "Hello from",
        "You're receiving",
        "To confirm this is correct",
        "Thank you for using",
        "Please Confirm",
    ]:
        assert phrase not in body + message.subject, phrase


@pytest.mark.django_db
def test_sign_up_verification_email_follows_the_english_cookie(client, mailoutbox, post_and_commit):
    response = post_and_commit(english(client), reverse("account_signup"), SIGN_UP)
    assert response.status_code == 302
    message = mailoutbox[0]
    assert message.subject == "[TĐKT] Please Confirm Your Email Address"
    assert "Hello from Emulation and Commendation Training!" in message.body
    assert "To confirm this is correct, go to http" in message.body


@pytest.mark.django_db
def test_sign_in_code_email_is_vietnamese(client, trainee, mailoutbox, post_and_commit):
    response = post_and_commit(client, reverse("account_request_login_code"), {"email": trainee.email})
    assert response.status_code == 302
    message = mailoutbox[0]
    assert message.subject == "[TĐKT] Mã đăng nhập"
    assert "Mã đăng nhập của bạn ở ngay dưới đây." in message.body
    assert "Nếu bạn không thực hiện thao tác này, bạn có thể yên tâm bỏ qua thư này." in message.body
