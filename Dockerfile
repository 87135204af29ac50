# syntax=docker/dockerfile:1
# checkbot: the Telegram bot in a small image.
#
#   docker build -t checkbot .
#   docker run -d --name checkbot -e TELEGRAM_BOT_TOKEN=... -v checkbot-data:/data checkbot
#
# Two stages: the builder makes a wheel of the project and installs it with its
# dependencies into a virtualenv; the final image gets only that virtualenv (no
# pip, no setuptools, no wheel cache, no source tree). Configuration comes from
# the environment only; the SQLite database lives on the /data volume.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder ----------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip "setuptools>=68" wheel
WORKDIR /src
# only what the package is built from (see .dockerignore)
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY storage ./storage
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/venv/bin/pip install /wheels/checkbot-*.whl \
 && /opt/venv/bin/python -m content.loader \
 && /opt/venv/bin/pip uninstall --yes pip setuptools wheel

# --- final image ------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="checkbot" \
      org.opencontainers.image.description="NJi checklist Aanpak loverboyproblematiek as a Telegram conversation" \
      org.opencontainers.image.licenses="MIT"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CHECKBOT_DB=/data/checkbot.db \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/opt/checkbot/matplotlib
RUN groupadd --system --gid 10001 checkbot \
 && useradd --system --uid 10001 --gid checkbot --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin checkbot \
 && mkdir -p /data /opt/checkbot/matplotlib \
 && chown checkbot:checkbot /data /opt/checkbot/matplotlib \
 && chmod 0700 /data
COPY --from=builder /opt/venv /opt/venv
COPY docker/healthcheck.py /opt/checkbot/healthcheck.py
USER 10001:10001
# matplotlib's font cache, built once here instead of at the first chart
RUN python -c "import matplotlib.font_manager"
WORKDIR /data
VOLUME ["/data"]
# webhook mode listens on $PORT (default 8443); long polling (the default) needs no port
EXPOSE 8443
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/opt/checkbot/healthcheck.py"]
CMD ["checkbot", "telegram"]
