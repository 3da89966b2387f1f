from django.urls import path

from notifications import views

urlpatterns = [
    path("preferences/", views.preferences, name="notification-preferences"),
]
