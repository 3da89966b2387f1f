from django.urls import path

from contracts import views

urlpatterns = [
    path("", views.contract_list, name="home"),
    path("contracts/<slug:code>/", views.contract_detail, name="contract-detail"),
]
