from django.urls import path

from inspections import views

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("<int:pk>/start/", views.start, name="inspection-start"),
    path("<int:pk>/assign/", views.assign, name="inspection-assign"),
    path("<int:pk>/results/", views.record, name="inspection-record"),
    path("<int:pk>/complete/", views.complete, name="inspection-complete"),
    path("<int:pk>/ticket/", views.open_ticket, name="inspection-open-ticket"),
    path("<int:pk>/reopen/", views.reopen, name="inspection-reopen"),
    path("<int:pk>/sign-off/", views.sign_off, name="inspection-sign-off"),
    path("<int:pk>/cancel/", views.cancel, name="inspection-cancel"),
    path("<int:pk>/report/", views.report_download, name="inspection-report"),
]
