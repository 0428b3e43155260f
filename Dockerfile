# Rota in a container: the daemon, a non-root user, the store and maildir on a volume.
#
#   docker build -t rota .
#   docker run -d --name rota \
#     -v "$PWD/rota.toml:/config/rota.toml:ro" -v rota-data:/data \
#     -e ROTA_SECRET="$(openssl rand -hex 32)" -e ROTA_SMTP_PASSWORD=… -e ROTA_IMAP_PASSWORD=… \
#     rota
#
# Relative paths in the config (store url sqlite:///var/rota.db, maildir var/mail) land in
# /data. Without a mounted config the embedded example program runs on the maildir transport.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY scheduling ./scheduling
COPY mail ./mail
COPY service ./service
COPY config ./config
COPY templates ./templates
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 rota \
    && mkdir -p /data /config && chown rota:rota /data
USER rota
WORKDIR /data
VOLUME ["/data"]
COPY --chmod=755 scripts/container-start /usr/local/bin/rota-start
HEALTHCHECK --interval=60s --timeout=30s --start-period=90s --retries=3 \
    CMD rota status -c "$(cat /data/.rota-config)" --check || exit 1
CMD ["rota-start"]
