"""The demo's own address and compression, the favicon, and production's compressed static files."""

import gzip
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.lms.test_settings import run

ADDRESS_PROBE = """
import json
from django.conf import settings
gzip = "django.middleware.gzip.GZipMiddleware" in settings.MIDDLEWARE
print(json.dumps({"site": settings.WAGTAILADMIN_BASE_URL, "gzip": gzip}))
"""


def address(**env: str) -> dict:
    result = run(ADDRESS_PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_links_follow_the_port_the_demo_serves_on_unless_site_url_is_set():
    assert address(DEBUG="1", PORT="8101")["site"] == "http://127.0.0.1:8101"
    assert address(DEBUG="1")["site"] == "http://127.0.0.1:8000"
    assert address(DEBUG="1", PORT="8101", SITE_URL="https://daotao.example.vn")["site"] == "https://daotao.example.vn"


def test_the_demo_compresses_its_responses_and_production_leaves_pages_to_the_proxy():
    assert address(DEBUG="1")["gzip"] is True
    production = address(SECRET_KEY="k" * 50, CERTIFICATE_SIGNING_KEY="A" * 43 + "=", ALLOWED_HOSTS="x.vn")
    assert production["gzip"] is False


@pytest.mark.django_db
def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page


def test_collected_static_files_are_served_compressed_when_the_browser_accepts_it(tmp_path):
    manifest = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=manifest,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        DEBUG=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.contrib.staticfiles.storage import staticfiles_storage

        url = staticfiles_storage.url("css/site.css")
        assert list(tmp_path.glob("css/site.*.css.gz")), "collectstatic wrote no .gz variant"
        client = Client()  # a new handler: whitenoise scans STATIC_ROOT as it starts
        compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        plain = client.get(url)
    assert compressed.status_code == 200
    assert compressed["Content-Encoding"] in ("gzip", "br")
    assert "Accept-Encoding" in compressed["Vary"]
    body = b"".join(compressed.streaming_content)
    if compressed["Content-Encoding"] == "gzip":
        body = gzip.decompress(body)
    assert body == b"".join(plain.streaming_content)
    assert "Content-Encoding" not in plain
    assert int(compressed["Content-Length"]) < int(plain["Content-Length"])
