"""Copy the assignee's name into each earlier assignment line, so the timeline states whom
a ticket was assigned to without a query per line (tickets.models.timeline.describe)."""

from django.db import migrations

ACTIONS = ("tickets.ticket.assign", "tickets.ticket.take")


def copy_names(apps, schema_editor):
    Event = apps.get_model("tickets", "Event")
    User = apps.get_model("accounts", "User")
    events = Event.objects.filter(action__in=ACTIONS).only("pk", "data")
    names: dict[int, str] = {}
    batch = []
    for event in events.iterator(chunk_size=2000):
        data = dict(event.data or {})
        pk = data.get("assignee")
        if pk is None or data.get("assignee_name"):
            continue
        if pk not in names:
            person = User.objects.filter(pk=pk).values("full_name", "username").first()
            names[pk] = (person["full_name"] or person["username"]) if person else ""
        data["assignee_name"] = names[pk]
        event.data = data
        batch.append(event)
        if len(batch) >= 2000:
            Event.objects.bulk_update(batch, ["data"])
            batch = []
    if batch:
        Event.objects.bulk_update(batch, ["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_notes_internal_and_watchers"),
        ("accounts", "__first__"),
    ]

    operations = [migrations.RunPython(copy_names, migrations.RunPython.noop, elidable=True)]
