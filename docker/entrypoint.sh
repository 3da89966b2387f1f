#!/bin/sh
# OpsDesk container entry point.
#   web     apply migrations, then serve with gunicorn on :8000
#   worker  Celery worker
#   beat    Celery beat (periodic schedule kept under /app/var)
#   other   run the command as given, e.g. `python manage.py createsuperuser`
# Extra arguments after web/worker/beat are passed on to gunicorn/celery.
set -e

case "$1" in
  web)
    shift
    python manage.py migrate --noinput
    exec gunicorn opsdesk.wsgi:application \
      --bind 0.0.0.0:8000 --workers 3 --access-logfile - "$@"
    ;;
  worker)
    shift
    exec celery -A opsdesk worker --loglevel=info "$@"
    ;;
  beat)
    shift
    exec celery -A opsdesk beat --loglevel=info \
      --schedule /app/var/celerybeat-schedule "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
