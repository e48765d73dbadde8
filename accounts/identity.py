"""Who is signed in, from the shared cache instead of three queries on every request.

Every signed-in request loads the person's row (Django's ``get_user``); staff
pages also read their groups (``roles_of``) and whether they have an
authenticator app (``mfa_setup_required``). These change rarely and are read
on every request, so with a shared cache (Redis: ``IDENTITY_CACHE``) a copy
of the row, with the roles and the authenticator answer, is kept there.

Correctness rests on a **stamp per person** in the cache: the copy carries
the stamp current when it was read and is served only while that stamp is
still the current one (both are read in one round trip). Every change that
could alter what the copy holds (the row saved or deleted, groups changed,
an authenticator added or removed, a service's ``update()``) replaces the
stamp, once at once and once more after the change commits. A request that read the
old row before the commit stored its copy with a stamp that is no longer
current, so no copy from before a change is ever served after it. A stamp
evicted from the cache is replaced by a new one: a miss, never an old copy.

The copy is the whole row (the session check compares its password hash, and
``request.user.save()`` writes every field back), without related objects or
per-request caches (permissions, events managed), which are filled per request
as before. A local-memory cache is per process, where one worker's change
would not reach another's copy: without Redis nothing is cached here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import User

STAMP_KEY = "identity:stamp:{}"
COPY_KEY = "identity:user:{}"
# A copy outlives no day; the stamp itself is kept as long as the cache keeps it.
COPY_SECONDS = 24 * 3600


def enabled() -> bool:
    return settings.IDENTITY_CACHE


def _new_stamp(key: str) -> str | None:
    cache.add(key, secrets.token_hex(8), timeout=None)
    return cache.get(key)


def cached_user(user_id, load: Callable[[object], User | None]) -> User | None:
    """The person ``user_id`` from the cache, else ``load(user_id)`` (None: no such active person), kept."""
    stamp_key, copy_key = STAMP_KEY.format(user_id), COPY_KEY.format(user_id)
    found = cache.get_many([stamp_key, copy_key])  # one round trip
    stamp = found.get(stamp_key) or _new_stamp(stamp_key)
    if stamp is None:  # the cache keeps nothing: read as if there were no cache
        return load(user_id)
    kept = found.get(copy_key)
    if kept is not None and kept["stamp"] == stamp:
        return _user_from(kept)
    user = load(user_id)
    if user is not None:
        cache.set(copy_key, {**_kept(user), "stamp": stamp}, COPY_SECONDS)
    return user


def _kept(user: User) -> dict:
    """What the cache keeps: the row's values and the role and authenticator answers, read now."""
    from accounts.mfa import has_totp
    from accounts.scopes import is_staff_member, roles_of

    return {
        "db": user._state.db,
        "values": tuple(getattr(user, field.attname) for field in User._meta.concrete_fields),
        "roles": roles_of(user),
        # Only staff pages ask; a trainee's copy leaves it to be read if ever asked.
        "totp": has_totp(user) if is_staff_member(user) else None,
    }


def _user_from(kept: dict) -> User:
    user = User.from_db(kept["db"], [field.attname for field in User._meta.concrete_fields], kept["values"])
    user._lms_roles = kept["roles"]
    if kept["totp"] is not None:
        user._lms_totp = kept["totp"]
    return user


def forget(user_ids: Iterable) -> None:
    """The cached copies of these people are not to be served again (now, and after the commit)."""
    keys = [STAMP_KEY.format(pk) for pk in {pk for pk in user_ids if pk is not None}]
    if not keys or not enabled():
        return

    def replace() -> None:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)

    replace()
    transaction.on_commit(replace)


# --- what moves a person's stamp -----------------------------------------------------------------


def _user_changed(sender, instance, **kwargs) -> None:
    forget([instance.pk])


def _authenticator_changed(sender, instance, **kwargs) -> None:
    forget([instance.user_id])


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:  # a group emptied: its members, while they are still in it
        forget(instance.user_set.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        forget((pk_set or ()) if reverse else [instance.pk])


def _group_changed(sender, instance, **kwargs) -> None:  # a renamed or deleted group is another role
    forget(instance.user_set.values_list("pk", flat=True))


def connect() -> None:
    """Every change that alters a cached copy forgets it (``AccountsConfig.ready``)."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=User, dispatch_uid="identity-user")
        signal.connect(_authenticator_changed, sender=Authenticator, dispatch_uid="identity-authenticator")
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="identity-groups")
    post_save.connect(_group_changed, sender=Group, dispatch_uid="identity-group")
    pre_delete.connect(_group_changed, sender=Group, dispatch_uid="identity-group-deleted")
