import { createCore, type Core } from '../core/create-core.ts';
import { GazetteError } from '../shared/errors.ts';
import type { CommandContext } from './command.ts';

/** One action of a command with several (`gazette subscribers import`), run on a core built for it. */
export type CoreAction = (core: Core, ctx: CommandContext, args: string[]) => Promise<number>;

/** The action the first word names; one wording for a missing or unknown one, listing the choices. */
export function pickAction<A>(command: string, actions: Readonly<Record<string, A>>, action: string | undefined): A {
  if (action && Object.hasOwn(actions, action)) return actions[action]!;
  throw new GazetteError(
    'InvalidArgument',
    `Say what to do: gazette ${command} ${Object.keys(actions).join('|')} (got ${action ? `"${action}"` : 'nothing'}).`,
  );
}

/** Picks the action, builds the core, runs the action on it and closes the core whatever happens. */
export async function runCoreAction(command: string, actions: Readonly<Record<string, CoreAction>>, ctx: CommandContext): Promise<number> {
  const [action, ...rest] = ctx.positionals;
  const run = pickAction(command, actions, action);
  const core = await createCore(ctx.config());
  try {
    return await run(core, ctx, rest);
  } finally {
    await core.close();
  }
}
