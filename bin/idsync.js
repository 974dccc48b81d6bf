#!/usr/bin/env node
// idsync runs its TypeScript sources directly, which needs Node's type stripping (Node 22.18+,
// on by default in Node 24). The npm scripts put the project's own Node 24 first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`idsync: needs Node 24 (found ${process.version}); run it through npm (npm run dev) or node_modules/.bin/node\n`);
  process.exit(1);
}
await import('../src/cli/main.ts');
