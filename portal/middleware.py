"""Language choice: Chinese unless the user picked another language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Activate the language chosen with the header switch, else Chinese.

    Django's own middleware follows the browser's Accept-Language, which would
    show English to staff whose browsers happen to be set that way; the portal
    is Chinese first and English only on request.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not language or not translation.check_for_language(language):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
