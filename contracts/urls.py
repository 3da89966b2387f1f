from django.urls import path

from contracts import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<slug:code>/", views.contract_detail, name="contract-detail"),
]
