from django.urls import path

from tickets.views import consent, detail, filing, home, lists, outages, saved_views, search
from tickets.views.exports import dispatch_export, queue_export, ticket_list_export

urlpatterns = [
    path("tickets/", lists.ticket_list, name="ticket-list"),
    path("tickets/export/", ticket_list_export, name="ticket-list-export"),
    path("tickets/new/", filing.choose_contract, name="ticket-new"),
    path("contracts/<slug:code>/report/", filing.report, name="ticket-report"),
    path("tickets/file-for-caller/", filing.choose_file_for_contract, name="ticket-file-for-new"),
    path("contracts/<slug:code>/file-for-caller/", filing.file_for, name="ticket-file-for"),
    path("hospital/", home.hospital_desk, name="hospital-desk"),
    path("contracts/<slug:code>/change/", filing.open_change, name="ticket-open-change"),
    path("contracts/<slug:code>/outages/", outages.contract_outages, name="contract-outages"),
    path("queue/", lists.queue, name="queue"),
    path("queue/export/", queue_export, name="queue-export"),
    path("dispatch/", lists.dispatch_board, name="dispatch"),
    path("dispatch/export/", dispatch_export, name="dispatch-export"),
    path("dispatch/selected/", lists.dispatch_selected, name="dispatch-selected"),
    path("search/", search.search_page, name="search"),
    path("saved-views/", saved_views.save, name="saved-view-save"),
    path("saved-views/delete/", saved_views.delete, name="saved-view-delete"),
    path("tickets/<str:number>/", detail.ticket_detail, name="ticket-detail"),
    path("tickets/<str:number>/comment/", detail.ticket_comment, name="ticket-comment"),
    path("tickets/<str:number>/worklog/", detail.ticket_worklog, name="ticket-worklog"),
    path("tickets/<str:number>/attach/", detail.ticket_attach, name="ticket-attach"),
    path("tickets/<str:number>/watchers/", detail.ticket_watchers, name="ticket-watchers"),
    path(
        "tickets/<str:number>/attachments/<int:pk>/",
        detail.attachment_download,
        name="ticket-attachment",
    ),
    *(
        path(
            f"tickets/<str:number>/consents/<int:cid>/{decision}/",
            getattr(consent, decision),
            name=f"ticket-consent-{decision}",
        )
        for decision in consent.DECISIONS
    ),
    path("consent/<str:token>/", consent.from_link, name="consent-link"),
    path("tickets/<str:number>/<slug:slug>/", detail.ticket_action, name="ticket-action"),
]
