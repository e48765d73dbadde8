import factory
from factory.django import DjangoModelFactory

from accounts.models import OrgUnit, User

DEFAULT_PASSWORD = "mat-khau-thu-nghiem-2024"


class OrgUnitFactory(DjangoModelFactory):
    """Builds units through treebeard so the tree paths are real."""

    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"DV{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị số {n}")
    kind = OrgUnit.Kind.UNIT

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        instance = model_class(**kwargs)
        if parent is None:
            return model_class.add_root(instance=instance)
        parent.refresh_from_db()
        return parent.add_child(instance=instance)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"hocvien{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        # Sign-in needs a verified address; tests that want otherwise pass verified=False.
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )
