from django.urls import path

from intake.views import wecom

# The e-mail triage pages and the WeCom callback add their routes here.
urlpatterns: list = [
    path("wecom/<int:app_id>/callback/", wecom.callback, name="wecom-callback"),
]
