from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
