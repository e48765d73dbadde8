"""Django's and allauth's sign-in backends, reading the signed-in person through ``accounts.identity``."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts import identity


class CachedUserMixin:
    def get_user(self, user_id):
        if not identity.enabled():
            return super().get_user(user_id)
        return identity.cached_user(user_id, super().get_user)


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    pass
