from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from core.fields import NFCCharField

unit_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9._-]{0,39}$",
    _("A unit code has capital letters without accents, digits and . _ - only (at most 40 characters)."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9 .()-]{8,20}$",
    _("Enter a valid phone number."),
)


class OrgUnit(MP_Node):
    """An agency or unit: a ministry and its units, a province and its departments."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or sector")
        PROVINCE = "province", _("Province or city")
        DEPARTMENT = "department", _("Provincial department")
        UNIT = "unit", _("Agency or unit")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    code = models.CharField(_("unit code"), max_length=40, unique=True, validators=[unit_code_validator])
    name = NFCCharField(_("unit name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.UNIT)
    cluster = NFCCharField(
        _("emulation block or cluster"),
        max_length=120,
        blank=True,
        help_text=_("The group of units that compete with each other; reports group by it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Addresses are compared case-insensitively everywhere; storing them
        # lower-cased keeps one account per mailbox.
        return (email or "").strip().lower()

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    full_name = NFCCharField(_("full name"), max_length=150)
    position = NFCCharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    coordinated_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("coordinated unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinators",
        help_text=_("A unit coordinator manages this unit and every unit under it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = UserManager.normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        # Vietnamese names end with the given name, which is how people are addressed.
        return self.full_name.split()[-1] if self.full_name else self.email
