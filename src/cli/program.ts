import { Command } from 'commander';

/*
 * Each command is loaded only when it is the one run: `idsync start` brings the HTTP server, Bull
 * Board and the watchers, and a command that loaded them all spent most of its start doing so.
 * The program's own help, `help <command>` and an unknown word load every command, so that the
 * listing and commander's suggestions are whole.
 */
const COMMANDS = {
  start: async () => (await import('./commands/start.ts')).startCommand(),
  reconcile: async () => (await import('./commands/reconcile.ts')).reconcileCommand(),
  audit: async () => (await import('./commands/audit.ts')).auditCommand(),
  status: async () => (await import('./commands/status.ts')).statusCommand(),
  findings: async () => (await import('./commands/findings.ts')).findingsCommand(),
  backfill: async () => (await import('./commands/backfill.ts')).backfillCommand(),
  cleanup: async () => (await import('./commands/cleanup.ts')).cleanupCommand(),
  staff: async () => (await import('./commands/staff.ts')).staffCommand(),
} satisfies Record<string, () => Promise<Command>>;

type CommandName = keyof typeof COMMANDS;

const isCommandName = (word: string): word is CommandName => Object.hasOwn(COMMANDS, word);

/** The commands to load for `argv`, in the listing's order: the one its first word names, else all of them. idsync itself takes no option with a value. */
export function commandsToLoad(argv: readonly string[]): CommandName[] {
  const named = argv.find((arg) => !arg.startsWith('-'));
  return named !== undefined && isCommandName(named) ? [named] : (Object.keys(COMMANDS) as CommandName[]);
}

/** The idsync program for `argv` (src/cli/main.ts), with the commands `commandsToLoad` picks. Default argv: every command. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('idsync').description(
    'keeps the external-ID maps of one person consistent across the CRM, OmniStack, Supabase and Bookmaster',
  );
  const loaded = await Promise.all(commandsToLoad(argv).map((name) => COMMANDS[name]()));
  for (const command of loaded) program.addCommand(command);
  // Commander exits the process itself unless told not to, and addCommand does not pass that on:
  // every command, nested ones too, throws instead, so that runCli alone decides the exit code.
  const exitOverrideAll = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverrideAll);
  };
  exitOverrideAll(program);
  return program;
}
