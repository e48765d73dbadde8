from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core.text import control_characters


class LanguageMiddleware:
    """Vietnamese unless the visitor chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many phones in Vietnam are set to English while their owners expect this
    platform in Vietnamese. So only the choice stored in the language cookie
    counts; the default is settings.LANGUAGE_CODE.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() puts back the thread's language afterwards, so that work
        # done after this request on the same thread (a Celery task in eager
        # mode, the next test) does not inherit the visitor's choice.
        with translation.override(language):
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ControlCharacterMiddleware:
    """Refuse, at one place, any request whose parameters carry control characters.

    NUL and the other control characters are invisible, PostgreSQL refuses
    NUL in text, and XML exports refuse most of them; a view that reads a
    parameter without a form (a search box, an id) must never meet them.
    The request is refused whole with a 400 that names the field: nothing is
    stripped silently. Uploaded files are not read here: their forms check
    their content.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = self._first_bad(request)
        if found is not None:
            field, characters = found
            if request.headers.get("X-Requested-With") or "json" in request.headers.get("Accept", ""):
                message = _("The field “%(field)s” contains control characters (%(characters)s); nothing was saved.")
                message %= {"field": field, "characters": ", ".join(characters)}
                return JsonResponse({"error": "control_characters", "message": message}, status=400)
            context = {"field": field, "characters": characters}
            return render(request, "400.html", context, status=400)
        return self.get_response(request)

    @staticmethod
    def _first_bad(request) -> tuple[str, list[str]] | None:
        params = [request.GET]
        if request.method == "POST":
            params.append(request.POST)  # CSRF's check reads it at this point anyway
        for query in params:
            for key, values in query.lists():
                for value in [key, *values]:
                    characters = control_characters(value, line_breaks=True)
                    if characters:
                        return key[:60], characters
        return None
