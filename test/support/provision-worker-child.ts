import { openPostgres } from '../../src/platforms/postgres-pool.ts';
import { openProvisionStores, startProvisionWorker } from './provision-fixture.ts';
import type { ProvisionNamespace } from './provision-fixture.ts';

/*
 * A provision worker in a process of its own, for the test that kills one between two steps: it
 * SIGKILLs itself right after the step named in argv[3] has been saved on the job, the way a
 * machine that dies does (no cleanup, the job's lock left to expire). argv[2] is the namespace.
 */
const [namespaceJson, killAfterStep] = process.argv.slice(2);
const namespace = JSON.parse(namespaceJson ?? '{}') as ProvisionNamespace;
const ledger = await openPostgres('ledger', namespace.ledgerUrl);
const stores = await openProvisionStores(namespace, ledger.pool);
// A short lock and stalled-check period, so that the worker that takes over does not wait BullMQ's
// default 30 s (a check's period also bars the next check, whichever worker makes it).
startProvisionWorker(stores, namespace, {
  lockDurationMs: 1_000,
  stalledIntervalMs: 300,
  afterStep: (step) => {
    if (step === killAfterStep) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('ready\n');
