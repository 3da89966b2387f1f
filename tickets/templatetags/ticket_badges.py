"""{% state_badge ticket.state %} and {% countdown due warn %}: a ticket's state and a deadline
as every page shows them, from the functions the ticket lists' rows are made with
(tickets.presenters), so a badge or a countdown is written in one place."""

from django import template

from tickets import presenters

register = template.Library()


@register.simple_tag
def state_badge(state):
    return presenters.state_badge(state)


@register.simple_tag
def countdown(due, warn=None):
    return presenters.countdown(due, warn)
