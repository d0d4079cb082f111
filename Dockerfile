# Slim runtime image: the service, its migrations and a CJK font for the weekly chart's labels.
# Build: docker build -t guanjia .   Run: see docker-compose.yml (PostgreSQL) or README "Deploy".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUANJIA_LOG_FORMAT=json

# fonts-wqy-microhei (~5 MB) gives matplotlib Chinese glyphs; nothing else from apt.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so a code change does not reinstall them (all ship as manylinux wheels).
COPY pyproject.toml README.md ./
RUN mkdir -p bot handlers models config \
    && touch bot/__init__.py handlers/__init__.py models/__init__.py config/__init__.py \
    && pip install . \
    && pip uninstall -y guanjia \
    && rm -rf bot handlers models config build *.egg-info
COPY alembic.ini ./
COPY alembic ./alembic
COPY config ./config
COPY models ./models
COPY handlers ./handlers
COPY bot ./bot
# Editable, so the code finds alembic/ and var/ next to it in /app.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --create-home --home-dir /home/guanjia guanjia \
    && mkdir -p var/media \
    && chown -R guanjia:guanjia var

USER guanjia
EXPOSE 8000
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# Migrations first (a no-op when up to date), then the server; GUANJIA_WORKERS > 1 needs PostgreSQL.
CMD ["sh", "-c", "guanjia migrate && exec guanjia serve --host 0.0.0.0 --port 8000 --workers \"${GUANJIA_WORKERS:-1}\""]
