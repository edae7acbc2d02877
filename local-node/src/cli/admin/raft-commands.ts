import {
  isLocationHint,
  LOCATION_HINT_RULE,
  parsePeerId,
  PEER_ID_RULE,
  type LocationHint,
} from '@proxima/core/membership';
import { InvalidArgumentError, type Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import * as view from './raft-views.ts';
import type { AdminTools } from './tools.ts';

export function peerId(value: string): number {
  const id = parsePeerId(value);
  if (id === null)
    throw new InvalidArgumentError(`expected a peer id, ${PEER_ID_RULE}, got '${value}'.`);
  return id;
}

export function locationHint(value: string): LocationHint {
  if (!isLocationHint(value))
    throw new InvalidArgumentError(`expected ${LOCATION_HINT_RULE}, got '${value}'.`);
  return value;
}

/** `proxima admin raft …`: the registry's Raft group, its status and its membership. */
export function addRaftCommands(admin: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  const raft = admin
    .command('raft')
    .description("The registry's Raft group: status, add or remove a peer, transfer leadership.")
    .addHelpText(
      'after',
      '\nReplace a peer by adding the new one first, then removing the old one. A removed id is\n' +
        'never reused. The leader cannot be removed: transfer leadership first.\n',
    );

  withEdgeOptions(
    raft.command('status').description("Each member's view: role, leader, term, commit, applied."),
  ).action(async (options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/raft/status');
        return { body, text: view.status(view.readRaft.status(body)) };
      }),
    );
  });

  withEdgeOptions(
    raft
      .command('add')
      .description('Add a peer as a voter: it joins as a learner and is promoted once caught up.')
      .argument('<id>', `the new peer's id, ${PEER_ID_RULE}, never used before`, peerId)
      .option(
        '--location-hint <hint>',
        `where to place the new peer (${LOCATION_HINT_RULE}); default: RAFT_LOCATION_HINTS`,
        locationHint,
      ),
  ).action(
    async (
      id: number,
      options: EdgeOptions & { locationHint?: LocationHint },
      command: Command,
    ) => {
      done(
        await execute(options, command, async (client) => {
          const body = await client.request('POST', '/admin/raft/peers', {
            body: {
              id,
              ...(options.locationHint === undefined ? {} : { locationHint: options.locationHint }),
            },
          });
          const group = view.readRaft.group(body);
          return { body, text: `Added peer ${id} as a voter: ${view.members(group)}.\n` };
        }),
      );
    },
  );

  withEdgeOptions(
    raft
      .command('remove')
      .description('Remove a peer (not the leader); it stops for good and its id is not reused.')
      .argument('<id>', `the peer's id, ${PEER_ID_RULE}`, peerId),
  ).action(async (id: number, options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('DELETE', `/admin/raft/peers/${id}`);
        const group = view.readRaft.removed(body);
        return {
          body,
          text: `Removed peer ${id}: ${view.members(group)}.\n`,
          ...(group.retired
            ? {}
            : {
                warning: `proxima: peer ${id} is out of the group but could not be told to stop (unreachable?); it cannot vote or lead, and id ${id} is never reused.\n`,
              }),
        };
      }),
    );
  });

  withEdgeOptions(
    raft
      .command('transfer')
      .description('Hand leadership to another voter; returns once it leads.')
      .argument('<id>', `the voter to lead, ${PEER_ID_RULE}`, peerId),
  ).action(async (id: number, options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('POST', '/admin/raft/transfer', { body: { to: id } });
        const group = view.readRaft.group(body);
        return { body, text: `Peer ${group.leader} leads: ${view.members(group)}.\n` };
      }),
    );
  });
}
