from django.urls import include, path
from rest_framework.routers import SimpleRouter

from api.views.actions import ACTION_VIEWS
from api.views.changes import ChangeListView
from api.views.consents import DECISION_VIEWS, ConsentListView
from api.views.contracts import ContractViewSet, SystemViewSet
from api.views.docs import RedocView, SchemaView, SwaggerView
from api.views.exports import TicketExportView
from api.views.holidays import HolidayNoticeListView, HolidayNoticeReadingView
from api.views.inspections import ACTION_VIEWS as INSPECTION_ACTION_VIEWS
from api.views.inspections import (
    ChecklistDetailView,
    ChecklistListView,
    InspectionDetailView,
    InspectionListView,
    InspectionReportView,
    InspectionResultsView,
    ResultTicketView,
)
from api.views.notifications import PreferencesView, WatchersView
from api.views.outages import (
    ContractOutagesView,
    RecurrenceCandidatesView,
    TicketOutagesView,
)
from api.views.portfolio import PortfolioView
from api.views.records import AttachmentDownloadView, AttachmentsView, CommentsView, WorklogsView
from api.views.reports import (
    ReportAcceptView,
    ReportDetailView,
    ReportFileDetailView,
    ReportFileDownloadView,
    ReportFileRetryView,
    ReportFinalView,
    ReportListView,
)
from api.views.tickets import TicketDetailView, TicketListView, TicketSearchView
from api.views.triage import (
    TriageCommentView,
    TriageDetailView,
    TriageDismissView,
    TriageFileView,
    TriageListView,
)
from api.views.webhooks import SubscriptionViewSet

router = SimpleRouter()
router.register("contracts", ContractViewSet, basename="contract")
router.register("systems", SystemViewSet, basename="system")
router.register("webhooks", SubscriptionViewSet, basename="webhook")

v1 = [
    *router.urls,
    path("tickets/", TicketListView.as_view(), name="ticket-list"),
    path("tickets/export/", TicketExportView.as_view(), name="ticket-export"),
    path("tickets/search/", TicketSearchView.as_view(), name="ticket-search"),
    path("tickets/<int:pk>/", TicketDetailView.as_view(), name="ticket-detail"),
    path("changes/", ChangeListView.as_view(), name="change-list"),
    *(
        path(f"tickets/<int:pk>/{slug}/", view.as_view(), name=f"ticket-{slug}")
        for slug, view in ACTION_VIEWS.items()
    ),
    path("tickets/<int:pk>/consents/", ConsentListView.as_view(), name="ticket-consents"),
    *(
        path(
            f"tickets/<int:pk>/consents/<int:cid>/{slug}/",
            view.as_view(),
            name=f"ticket-consent-{slug}",
        )
        for slug, view in DECISION_VIEWS.items()
    ),
    path("tickets/<int:pk>/outages/", TicketOutagesView.as_view(), name="ticket-outages"),
    path(
        "tickets/<int:pk>/recurrence-candidates/",
        RecurrenceCandidatesView.as_view(),
        name="ticket-recurrence-candidates",
    ),
    path("contracts/<slug:code>/outages/", ContractOutagesView.as_view(), name="contract-outages"),
    path("tickets/<int:pk>/comments/", CommentsView.as_view(), name="ticket-comments"),
    path("tickets/<int:pk>/worklogs/", WorklogsView.as_view(), name="ticket-worklogs"),
    path("tickets/<int:pk>/watchers/", WatchersView.as_view(), name="ticket-watchers"),
    path(
        "me/notification-preferences/",
        PreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("tickets/<int:pk>/attachments/", AttachmentsView.as_view(), name="ticket-attachments"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/download/",
        AttachmentDownloadView.as_view(),
        name="ticket-attachment-download",
    ),
    path("inspections/", InspectionListView.as_view(), name="inspection-list"),
    path("inspections/<int:pk>/", InspectionDetailView.as_view(), name="inspection-detail"),
    *(
        path(f"inspections/<int:pk>/{slug}/", view.as_view(), name=f"inspection-{slug}")
        for slug, view in INSPECTION_ACTION_VIEWS.items()
    ),
    path(
        "inspections/<int:pk>/results/",
        InspectionResultsView.as_view(),
        name="inspection-results",
    ),
    path(
        "inspections/<int:pk>/results/<int:result_id>/ticket/",
        ResultTicketView.as_view(),
        name="inspection-result-ticket",
    ),
    path("inspections/<int:pk>/report/", InspectionReportView.as_view(), name="inspection-report"),
    path("checklists/", ChecklistListView.as_view(), name="checklist-list"),
    path("holiday-notices/", HolidayNoticeListView.as_view(), name="holiday-notice-list"),
    path(
        "holiday-notices/read/",
        HolidayNoticeReadingView.as_view(),
        name="holiday-notice-read",
    ),
    path("checklists/<int:pk>/", ChecklistDetailView.as_view(), name="checklist-detail"),
    path("portfolio/", PortfolioView.as_view(), name="portfolio"),
    path("reports/", ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/final/", ReportFinalView.as_view(), name="report-final"),
    path("reports/<int:pk>/accept/", ReportAcceptView.as_view(), name="report-accept"),
    path("reports/files/<int:pk>/", ReportFileDetailView.as_view(), name="report-file-detail"),
    path("reports/files/<int:pk>/retry/", ReportFileRetryView.as_view(), name="report-file-retry"),
    path(
        "reports/files/<int:pk>/download/",
        ReportFileDownloadView.as_view(),
        name="report-file-download",
    ),
    path("triage/", TriageListView.as_view(), name="triage-list"),
    path("triage/<int:pk>/", TriageDetailView.as_view(), name="triage-detail"),
    path("triage/<int:pk>/file/", TriageFileView.as_view(), name="triage-file"),
    path("triage/<int:pk>/comment/", TriageCommentView.as_view(), name="triage-comment"),
    path("triage/<int:pk>/dismiss/", TriageDismissView.as_view(), name="triage-dismiss"),
    path("schema/", SchemaView.as_view(), name="schema"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
