# syntax=docker/dockerfile:1
# The `meshscope` image: one image for every role (all-in-one, collector, query, agent); the role is the
# first argument. Built in two stages so the runtime has production dependencies and compiled output only.
#   docker build -t meshscope/meshscope:0.1.0 .
#   docker run -p 16686:16686 -p 4318:4318 -e MESHSCOPE_INGEST_TOKEN=… -e MESHSCOPE_QUERY_TOKEN=… meshscope/meshscope:0.1.0

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Dependencies first, without the `prepare` build (sources are not here yet), so this layer is cached
# until the lock file changes; then the native modules' own install scripts.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 protobufjs
COPY tsconfig.json ./
COPY collector ./collector
COPY agents ./agents
COPY query-api ./query-api
COPY ui ./ui
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find dist \( -name '*.test.js' -o -name '*.test.js.map' \) -delete

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MESHSCOPE_HOST=0.0.0.0 \
    MESHSCOPE_DATA_DIR=/var/lib/meshscope \
    MESHSCOPE_AGENT_BUFFER_DIR=/var/lib/meshscope-agent
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN ln -s /app/dist/collector/main.js /usr/local/bin/meshscope \
 && chmod 0755 /app/dist/collector/main.js \
 && mkdir -p /var/lib/meshscope /var/lib/meshscope-agent \
 && chown 1000:1000 /var/lib/meshscope /var/lib/meshscope-agent
# The `node` user of the base image (uid 1000), as the Kubernetes manifests' runAsUser expects.
USER 1000:1000
VOLUME ["/var/lib/meshscope"]
# OTLP/gRPC, OTLP/HTTP, Zipkin, Jaeger Thrift HTTP, query API + UI, collector admin, agent admin, Jaeger compact (UDP, agent)
EXPOSE 4317 4318 9411 14268 16686 14269 14271 6831/udp
# Listening beyond loopback needs MESHSCOPE_INGEST_TOKEN and MESHSCOPE_QUERY_TOKEN; without them the
# hub stops at start-up with one line naming the variable.
ENTRYPOINT ["meshscope"]
CMD ["all-in-one"]
