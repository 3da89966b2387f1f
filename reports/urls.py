from django.urls import path

from reports import views

urlpatterns = [
    path(
        "contracts/<slug:code>/dashboard/",
        views.contract_dashboard,
        name="contract-dashboard",
    ),
]
