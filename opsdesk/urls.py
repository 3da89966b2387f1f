from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("OpsDesk administration")
admin.site.site_title = _("OpsDesk")
admin.site.index_title = _("Contracts, calendars and people")

urlpatterns = [
    path("", include("contracts.urls")),
    path("", include("reports.urls")),
    path("", include("tickets.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("inspections/", include("inspections.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "opsdesk.errors.page_not_found"
handler500 = "opsdesk.errors.server_error"
