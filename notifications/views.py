"""A person's notification preferences (通知设置): per event, by e-mail and/or WeCom."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notifications.models import NotificationEvent
from notifications.preferences import preferences_of, reset_preferences, set_preferences


@login_required
def preferences(request):
    if request.method == "POST":
        if request.POST.get("reset"):
            reset_preferences(person=request.user)
            messages.success(request, _("Your notifications are back to your role's defaults."))
        else:
            set_preferences(
                person=request.user,
                choices={
                    event: {
                        "email": f"email:{event}" in request.POST,
                        "wecom_app": f"wecom_app:{event}" in request.POST,
                    }
                    for event in NotificationEvent.values
                },
            )
            messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification-preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": preferences_of(request.user), "has_wecom": bool(request.user.wecom_userid)},
    )
