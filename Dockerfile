# syntax=docker/dockerfile:1
# The production image, built by `fly deploy` (or `docker build .`).
# Production talks to MongoDB through MONGODB_URL: no embedded database in here.

ARG PYTHON_IMAGE=python:3.13-slim
# The uv release the Makefile pins (UV_VERSION), so the image resolves the lock as `make` does.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# ---- build: the locked dependencies, into /app/.venv ------------------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
# Compile site-packages to bytecode once, here, instead of at every cold start; copy
# files out of the cache mount; use this image's Python, which the runtime image shares.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# --frozen: install exactly uv.lock, never re-resolve. --no-default-groups --no-dev:
# leave out the `dev` group (tests, linters) and the `embedded` group (SecantusDB,
# GPL-2.0, development only). --no-build: wheels only, so no compiler is ever needed.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-default-groups --no-dev --no-install-project --no-build

# ---- runtime: Python, the venv and the app's code; no uv, no build tools -----------
FROM ${PYTHON_IMAGE} AS runtime
RUN useradd --system --user-group --uid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# The code stays root-owned: the service can read it, not change it.
COPY api/ api/
COPY kit/ kit/
COPY models/ models/
COPY resolvers/ resolvers/
COPY rules/ rules/
COPY storage/ storage/
COPY workflows/ workflows/
# Bytecode for the app's own modules too. /app/data is the only writable place (local
# uploads when the image runs in development mode, as docker-compose.yml does).
RUN python -m compileall -q api kit models resolvers rules storage workflows \
    && install -d -o app -g app /app/data

ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080

# The commit this image is built from (`fly deploy --build-arg GIT_SHA=$(git rev-parse
# HEAD)`): logged at start, in the app_build_info metric and Sentry's release
# (api/build_info.py). Last, so a new commit rebuilds no layer above.
ARG GIT_SHA=""
ENV GIT_SHA=${GIT_SHA}

USER app
EXPOSE 8080
# uvicorn drains in-flight requests on SIGTERM, then the lifespan closes the database
# client. Exec form: python gets the signal itself, no shell in between.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]
CMD ["python", "-m", "api"]
