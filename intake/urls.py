from django.urls import path

from intake.views import triage, wecom

# The e-mail triage pages and the WeCom callback.
urlpatterns: list = [
    path("triage/", triage.triage_list, name="triage-list"),
    path("triage/<int:pk>/", triage.triage_detail, name="triage-detail"),
    path("triage/<int:pk>/file/", triage.triage_file, name="triage-file"),
    path("triage/<int:pk>/comment/", triage.triage_comment, name="triage-comment"),
    path("triage/<int:pk>/dismiss/", triage.triage_dismiss, name="triage-dismiss"),
    path("wecom/<int:app_id>/callback/", wecom.callback, name="wecom-callback"),
]
