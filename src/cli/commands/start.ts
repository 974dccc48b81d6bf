import { Command, Option } from 'commander';
import { ROLES, startIdsync } from '../../app/start.ts';
import type { Role } from '../../app/start.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../logging/logger.ts';

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
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          void running.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
