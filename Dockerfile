# authserver: a slim image, run as a non-root user, no secrets inside, no load tests.
FROM python:3.11-slim AS base

# The release, as contracts/version.py declares it (tests/operations hold the two equal).
LABEL org.opencontainers.image.title="authserver" \
      org.opencontainers.image.version="0.3.0" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=5000 \
    DATABASE_URL=sqlite:////data/auth.db

WORKDIR /app
COPY setup.py README.md LICENSE ./
COPY authserver ./authserver
COPY contracts ./contracts
COPY cli ./cli
COPY webui ./webui
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt \
    && pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 10001 authserver \
    && mkdir -p /data \
    && chown authserver:authserver /data

USER 10001
VOLUME ["/data"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '5000')}/api/ready\", timeout=2)"]
CMD ["authserver", "serve"]
