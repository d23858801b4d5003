# syntax=docker/dockerfile:1
# voice-assistant: multi-stage image. docs/deployment.md ("Docker") explains it.
#   docker build -t voice-assistant .
#   docker run --rm --network host -e SIP_SERVER=pbx.example.com -e SIP_USERNAME=100 \
#     -e SIP_PASSWORD=secret voice-assistant
# Configuration: environment variables (README: Configuration), or a YAML file mounted and
# named with VOICE_ASSISTANT_CONFIG=/etc/voice-assistant/config.yaml.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript and @discordjs/opus (libopus, C++), keep production deps ----
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# pnpm: the major version scripts/setup.sh installs (it wrote the lockfile).
ARG PNPM_VERSION=12
RUN npm install -g "pnpm@${PNPM_VERSION}" && pnpm --version
WORKDIR /src
# node-gyp builds Opus against the headers that ship with Node in this image.
ENV CI=true npm_config_nodedir=/usr/local
# Dependencies first (cached while the lockfile does not change), then the sources.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline \
 && pnpm build \
 && pnpm --filter @voice-assistant/daemon deploy --prod /out \
 && rm -f /out/pnpm-lock.yaml /out/pnpm-workspace.yaml

# ---- runtime: Node, the built daemon (dist + prompts + production node_modules), curl ----
FROM ${NODE_IMAGE} AS runtime
# curl: the HEALTHCHECK and `kubectl exec ... curl localhost:8080/sip/status` (user's guide).
# setcap: lets the non-root user bind SIP port 5060 (< 1024) on the host network too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libcap2-bin \
 && setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 voice-assistant \
 && useradd --system --uid 10001 --gid voice-assistant --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin voice-assistant \
 && mkdir -p /var/spool/voice-assistant/recordings \
 && chown -R voice-assistant:voice-assistant /var/spool/voice-assistant
COPY --from=build /out /app
ENV NODE_ENV=production
# Recordings go to ./recordings by default: the working directory makes that
# /var/spool/voice-assistant/recordings, the one writable place (mount a volume there).
WORKDIR /var/spool/voice-assistant
USER 10001:10001
# SIP (UDP and TCP), the HTTP API (/healthz, /readyz, /sip/status, /metrics), RTP.
EXPOSE 5060/udp 5060/tcp 8080/tcp 10000-20000/udp
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT:-8080}/healthz" >/dev/null || exit 1
# SIGTERM drains active calls for SHUTDOWN_DRAIN_SEC (30 s): give `docker stop -t 45`,
# compose's stop_grace_period or Kubernetes' terminationGracePeriodSeconds more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/cli.js"]
