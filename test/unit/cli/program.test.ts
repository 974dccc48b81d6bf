import { describe, expect, it } from 'vitest';
import { buildProgram, commandsToLoad } from '../../../src/cli/program.ts';

const EVERY = ['start', 'reconcile', 'audit', 'status', 'findings', 'backfill', 'cleanup', 'staff'];

describe('the commands the CLI loads', () => {
  it.each([
    [['reconcile', 'crm:65f0c0ffee0000000000beef', '--wait'], ['reconcile']],
    [['--json', 'status'], ['status']],
    [['cleanup', 'run', '--help'], ['cleanup']],
    [['start', '--role', 'workers'], ['start']],
  ])('%j loads the command it names only: %j', (argv, expected) => {
    expect(commandsToLoad(argv)).toEqual(expected);
  });

  it.each([[[]], [['--help']], [['-h']], [['help', 'reconcile']], [['reconcil']], [['constructor']], [['__proto__']]])('%j loads every command, for a whole listing and suggestions', (argv) => {
    expect(commandsToLoad(argv)).toEqual(EVERY);
  });

  it('builds a program with the picked commands, in the listing order', async () => {
    expect((await buildProgram(['staff', 'create'])).commands.map((command) => command.name())).toEqual(['staff']);
    expect((await buildProgram()).commands.map((command) => command.name())).toEqual(EVERY);
  });
});
