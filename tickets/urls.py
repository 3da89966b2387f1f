from django.urls import path

from tickets.views import detail, filing, lists
from tickets.views.exports import dispatch_export, queue_export, ticket_list_export

urlpatterns = [
    path("tickets/", lists.ticket_list, name="ticket-list"),
    path("tickets/export/", ticket_list_export, name="ticket-list-export"),
    path("tickets/new/", filing.choose_contract, name="ticket-new"),
    path("contracts/<slug:code>/report/", filing.report, name="ticket-report"),
    path("tickets/file-for-caller/", filing.choose_file_for_contract, name="ticket-file-for-new"),
    path("contracts/<slug:code>/file-for-caller/", filing.file_for, name="ticket-file-for"),
    path("queue/", lists.queue, name="queue"),
    path("queue/export/", queue_export, name="queue-export"),
    path("dispatch/", lists.dispatch_board, name="dispatch"),
    path("dispatch/export/", dispatch_export, name="dispatch-export"),
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
    path("tickets/<str:number>/<slug:slug>/", detail.ticket_action, name="ticket-action"),
]
