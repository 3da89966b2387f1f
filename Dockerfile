# OpsDesk production image: gunicorn + whitenoise for the web, the same image for Celery.
#   docker compose up -d --build        (see docker-compose.yml for the required variables)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=opsdesk.settings \
    OPSDESK_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

# Pango and HarfBuzz for WeasyPrint PDFs, a CJK font so Chinese renders in them,
# gettext for compilemessages, curl for the compose health check, pg_dump/pg_restore for
# manage.py backup and restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        postgresql-client \
        gettext \
        curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system opsdesk \
    && useradd --system --gid opsdesk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin opsdesk

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
# Only the dependencies are installed (pinned by constraints.txt, as `make setup` does):
# the code runs from /app, so the project itself is not installed into site-packages.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Translations and static files are built into the image. The settings refuse to start with
# DEBUG off and no SECRET_KEY, so these build-only values exist on this line alone and never
# reach the running containers. LOCALE_PATHS (/app/locale) is created in case the checkout has
# no translations yet (compilemessages stops when it finds no locale directory at all).
# The settings create var/ and a file broker under it on import; that is wiped so the media
# volume starts empty, then recreated for the opsdesk user.
RUN mkdir -p locale \
    && DEBUG=0 SECRET_KEY=build-only-not-secret python manage.py compilemessages --verbosity 1 \
    && DEBUG=0 SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput --verbosity 1 \
    && rm -rf /app/var \
    && mkdir -p /app/var/media \
    && chown -R opsdesk:opsdesk /app/var \
    && chmod 0755 /app/docker/entrypoint.sh

# Uploaded files (MEDIA_ROOT=/app/var/media) and the beat schedule live here.
VOLUME ["/app/var"]

USER opsdesk

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# `web` runs migrations first; `worker` and `beat` start Celery (see docker/entrypoint.sh).
CMD ["gunicorn", "opsdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
