// config.set, route.set, route.remove: settings and model aliases.
import { quote } from '../protocol/limits.ts';
import type { CommandOf } from './commands.ts';
import { CONFIG, type ConfigKey } from './config.ts';
import { accepted, refused, type Applied } from './result.ts';
import type { RegistryState } from './state.ts';
import { withEntry, withoutEntry } from './tables.ts';

/**
 * Sets a setting (validated per key by the command's schema); null returns it to its default.
 * Answers the value now in force.
 */
export function setConfig(
  state: RegistryState,
  cmd: CommandOf<'config.set'>,
): Applied<{ readonly key: ConfigKey; readonly value: unknown }> {
  const config =
    cmd.value === null
      ? withoutEntry(state.config, cmd.key)
      : withEntry(state.config, cmd.key, cmd.value);
  return accepted(
    { ...state, config },
    { key: cmd.key, value: cmd.value ?? CONFIG[cmd.key].fallback },
  );
}

/**
 * Points an alias at a model. Routes are one hop, so resolving one is a single lookup and can
 * never loop: an alias may not point at itself or at another alias, nor become one that a route
 * already points at.
 */
export function setRoute(
  state: RegistryState,
  cmd: CommandOf<'route.set'>,
): Applied<{ readonly alias: string; readonly target: string; readonly previous: string | null }> {
  if (cmd.alias === cmd.target)
    return refused(state, 'route_chain', `Route ${quote(cmd.alias)} cannot point at itself.`);
  if (state.routes.has(cmd.target)) {
    return refused(
      state,
      'route_chain',
      `${quote(cmd.target)} is itself an alias; point ${quote(cmd.alias)} at a model id.`,
    );
  }
  for (const [alias, target] of state.routes) {
    if (target === cmd.alias) {
      return refused(
        state,
        'route_chain',
        `Alias ${quote(alias)} points at ${quote(cmd.alias)}, so it cannot become an alias.`,
      );
    }
  }
  const previous = state.routes.get(cmd.alias) ?? null;
  return accepted(
    { ...state, routes: withEntry(state.routes, cmd.alias, cmd.target) },
    { alias: cmd.alias, target: cmd.target, previous },
  );
}

export function removeRoute(
  state: RegistryState,
  cmd: CommandOf<'route.remove'>,
): Applied<{ readonly alias: string; readonly target: string }> {
  const target = state.routes.get(cmd.alias);
  if (target === undefined) return refused(state, 'not_found', `No route ${quote(cmd.alias)}.`);
  return accepted(
    { ...state, routes: withoutEntry(state.routes, cmd.alias) },
    { alias: cmd.alias, target },
  );
}
