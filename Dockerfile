# coverwatch: one image for the scheduler daemon, the review UI and one-shot commands (see docs/DEPLOYMENT.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 coverwatch \
    && mkdir -p /data \
    && chown coverwatch:coverwatch /data

WORKDIR /app

# Dependencies come ONLY from the lock file: every package pinned, --no-deps so pip resolves nothing on its own,
# then `pip check` proves the lock is complete. This layer is cached until requirements.lock changes.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock \
    && pip check

# The project itself, without dependencies. --no-build-isolation builds with the setuptools and wheel the lock just
# installed (pyproject's [build-system] pins, copied into the lock by scripts/lock.py), never with what the base
# image happens to ship or an unpinned download; --check-build-dependencies makes a lock without them fail here.
COPY pyproject.toml README.md scheduler.py ./
COPY crawler ./crawler
COPY spiders ./spiders
COPY storage ./storage
RUN pip install --no-deps --no-build-isolation --check-build-dependencies . \
    && python -c "import scheduler, crawler.cli"

USER coverwatch
# Relative paths in the config (digests/, archives, the SQLite file if used) land on the data volume.
WORKDIR /data
CMD ["coverwatch", "schedule"]
