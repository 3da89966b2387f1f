"""Template filters for report figures: {{ minutes|minutes_text }}, {{ hours|hours_text }}."""

from django import template

from reports import formatting

register = template.Library()


@register.filter
def minutes_text(minutes) -> str:
    return formatting.duration_text(minutes)


@register.filter
def hours_text(hours) -> str:
    return formatting.hours_text(hours)


@register.filter
def hours_change_text(hours) -> str:
    return formatting.hours_change_text(hours)
