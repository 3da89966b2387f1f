from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from opsdesk.home import home

admin.site.site_header = _("OpsDesk administration")
admin.site.site_title = _("OpsDesk")
admin.site.index_title = _("Contracts, calendars and people")


def view_on_site(request, content_type_id: str, object_id: str):
    """The admin's "view on site" redirect, for an object the person's admin lists only.

    Django's own answers any staff member with the object's address, so a vendor manager
    or a hospital's administrator could read every other hospital's ticket numbers
    (/admin/r/<ticket type>/1/ → /tickets/ZJ-2026-00001/). Shadows admin:view_on_site.
    """
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        model_admin = admin.site._registry.get(model)
        listed = model_admin is not None and (
            model_admin.get_queryset(request).filter(pk=object_id).exists()
        )
    except (ContentType.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not listed:
        raise Http404
    return shortcut(request, content_type_id, object_id)


urlpatterns = [
    path("", home, name="home"),
    path("", include("contracts.urls")),
    path("", include("reports.urls")),
    path("", include("tickets.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("inspections/", include("inspections.urls")),
    path("intake/", include("intake.urls")),
    path("notifications/", include("notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
]

handler404 = "opsdesk.errors.page_not_found"
handler500 = "opsdesk.errors.server_error"
