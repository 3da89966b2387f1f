"""The home page (`/`, where signing in lands): each person's own work, by role.

Rendered in place rather than redirected, so `/` stays the page a person bookmarks. A person
with several roles gets the most operational one's page (HOME_BY_ROLE).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required

from contracts.models import Role
from contracts.views import contract_list
from opsdesk import page_policy
from reports.views_portfolio import portfolio_page
from tickets.views.home import hospital_desk
from tickets.views.lists import dispatch_board, queue, ticket_list

# The page of each role, the most operational first: a person of several roles lands on the
# first they hold (the dispatcher's board before the engineer's queue before the manager's
# overview of contracts; then hospital IT's page, then the reporter's and a hospital
# administrator's tickets). Anyone else has no work of their own: the contract table.
HOME_BY_ROLE = (
    (Role.DISPATCHER, dispatch_board),
    (Role.ENGINEER, queue),
    (Role.VENDOR_MANAGER, portfolio_page),
    (Role.HOSPITAL_IT, hospital_desk),
    (Role.REPORTER, ticket_list),
    (Role.ADMINISTRATOR, ticket_list),
)


def home_view(user):
    """The view of the user's home page. A platform administrator gets the overview of
    every contract."""
    if user.is_superuser:
        return portfolio_page
    held = page_policy.roles_of(user)
    return next((view for role, view in HOME_BY_ROLE if role in held), contract_list)


@login_required
def home(request):
    return home_view(request.user)(request)
