from django.urls import path

from tickets.views import detail, filing, lists

urlpatterns = [
    path("tickets/", lists.ticket_list, name="ticket-list"),
    path("tickets/new/", filing.choose_contract, name="ticket-new"),
    path("contracts/<slug:code>/report/", filing.report, name="ticket-report"),
    path("queue/", lists.queue, name="queue"),
    path("dispatch/", lists.dispatch_board, name="dispatch"),
    path("tickets/<str:number>/", detail.ticket_detail, name="ticket-detail"),
    path("tickets/<str:number>/comment/", detail.ticket_comment, name="ticket-comment"),
    path("tickets/<str:number>/worklog/", detail.ticket_worklog, name="ticket-worklog"),
    path("tickets/<str:number>/attach/", detail.ticket_attach, name="ticket-attach"),
    path(
        "tickets/<str:number>/attachments/<int:pk>/",
        detail.attachment_download,
        name="ticket-attachment",
    ),
    path("tickets/<str:number>/<slug:slug>/", detail.ticket_action, name="ticket-action"),
]
