/*
 * The layers, lowest first: a module may import its own layer and those below it, never one above,
 * and no modules may import each other in a circle. `npm run lint` runs this (depcruise).
 * The layers are the folders as the README's Layout describes them:
 * config -> platforms -> reconcile -> jobs -> watchers / http / cli.
 */
const LAYERS = [
  ['foundation', '^src/(errors\\.ts|error-codes\\.ts|deadline\\.ts|logging/)'],
  ['ids', '^src/ids/'],
  ['config and ledger', '^src/(config|ledger)/'],
  ['platforms and queues', '^src/(platforms|queues)/'],
  ['link index', '^src/link-index/'],
  ['reconcile, provision, propagate, metrics', '^src/(reconcile|provision|propagate|metrics)/'],
  ['audit and http', '^src/(audit|http)/'],
  ['jobs', '^src/jobs/'],
  ['watchers', '^src/watchers/'],
  ['app', '^src/app/'],
  ['cli', '^src/cli/'],
];

const upward = LAYERS.flatMap(([name, path], index) =>
  LAYERS.slice(index + 1).map(([above, abovePath]) => ({
    name: `no-upward: ${name} -> ${above}`,
    severity: 'error',
    comment: 'imports run one way, from higher layers to lower ones',
    from: { path },
    to: { path: abovePath },
  })),
);

module.exports = {
  forbidden: [
    ...upward,
    { name: 'no-circular', severity: 'error', comment: 'no circle of imports', from: { path: '^(src|jobs|watchers)/' }, to: { circular: true } },
  ],
  options: {
    includeOnly: '^(src|jobs|watchers)/',
    tsPreCompilationDeps: true,
  },
};
