from wagtail import hooks

from accounts.viewsets import OrgUnitViewSet


@hooks.register("register_admin_viewset")
def register_orgunit_viewset():
    return OrgUnitViewSet()
