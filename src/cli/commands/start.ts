import { Command, Option } from 'commander';
import { ROLES, startIdsync } from '../../app/start.ts';
import type { Role, Stopped } from '../../app/start.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';
import { EXIT_OK } from '../exit-codes.ts';

export function startCommand(): Command {
  return new Command('start')
    .description('run the pipeline: watchers, workers and the HTTP server')
    .addOption(new Option('--role <role>', 'which part of the pipeline this process runs').choices(ROLES).default('all'))
    .addHelpText('after', '\nExamples:\n  idsync start\n  idsync start --role workers')
    .action(async (options: { role: Role }) => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      for (const warning of config.warnings) logger.warn(warning);
      const running = await startIdsync(config, logger, { role: options.role });
      const stopped = await new Promise<Stopped>((resolve) => {
        // A signal can arrive twice (a terminal's Ctrl-C reaches the whole process group, and npm
        // or bin/idsync.js pass it on as well): the second must not kill the shutdown the first began.
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'shutting down');
          void running.close().then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      // Jobs left running at the deadline still hold what they used (a connection, a timer) and
      // would keep the process alive; their locks expire and another worker runs them again.
      if (stopped.jobsLeftRunning) process.exit(EXIT_OK);
    });
}
