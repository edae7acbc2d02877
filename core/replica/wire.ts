import * as z from 'zod';
import { MessageType, type Message, type NodeId } from '../raft/index.ts';

/**
 * Raft messages between peers, as one peer's RPC hands them to another: a versioned batch,
 * validated on arrival, so a malformed or foreign call is refused with a reason and never
 * reaches the core.
 */
export const PEER_WIRE_VERSION = 1;
/** Messages one batch may carry; a sender splits larger ones. */
export const MAX_BATCH_MESSAGES = 256;
/** Peers a group may have (3 by default, 5 optional; a little room for replacing one). */
export const MAX_PEER_ID = 64;

const peerId = z.number().int().min(0).max(MAX_PEER_ID);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const bytes = z.instanceof(Uint8Array);
const confState = z.object({
  voters: z.array(peerId).max(MAX_PEER_ID),
  learners: z.array(peerId).max(MAX_PEER_ID),
});
const entry = z.object({
  term: count,
  index: count,
  type: z.enum(['normal', 'conf']),
  data: bytes,
});
const message = z.object({
  type: z.enum(Object.values(MessageType) as [MessageType, ...MessageType[]]),
  to: peerId,
  from: peerId,
  term: count,
  logTerm: count,
  index: count,
  entries: z.array(entry).max(100_000),
  commit: count,
  reject: z.boolean(),
  rejectHint: count,
  context: bytes,
  snapshot: z
    .object({
      meta: z.object({ index: count, term: count, confState }),
      offset: count,
      total: count,
      data: bytes,
    })
    .nullable(),
});

const batch = z.object({
  v: z.number().int(),
  from: peerId,
  messages: z.array(message).min(1).max(MAX_BATCH_MESSAGES),
});

export interface PeerBatch {
  readonly v: number;
  readonly from: NodeId;
  readonly messages: readonly Message[];
}

export type ParsedBatch =
  | { readonly ok: true; readonly batch: PeerBatch }
  | { readonly ok: false; readonly reason: string };

/** Checks a batch from another peer: its version, its shape, and that every message is for `self`. */
export function parsePeerBatch(value: unknown, self: NodeId): ParsedBatch {
  const parsed = batch.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `malformed batch at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
    };
  }
  const b = parsed.data;
  if (b.v !== PEER_WIRE_VERSION)
    return {
      ok: false,
      reason: `wire version ${b.v} unsupported; this peer speaks ${PEER_WIRE_VERSION}`,
    };
  for (const m of b.messages) {
    if (m.to !== self)
      return { ok: false, reason: `a message for peer ${m.to} reached peer ${self}` };
    if (m.from !== b.from)
      return { ok: false, reason: `a message from ${m.from} in a batch from ${b.from}` };
  }
  return { ok: true, batch: { v: b.v, from: b.from, messages: b.messages } };
}

/** Messages grouped by destination, in order, split into batches of at most MAX_BATCH_MESSAGES. */
export function batchesByPeer(
  from: NodeId,
  messages: readonly Message[],
): Map<NodeId, PeerBatch[]> {
  const out = new Map<NodeId, PeerBatch[]>();
  for (const m of messages) {
    let list = out.get(m.to);
    if (!list) {
      list = [];
      out.set(m.to, list);
    }
    const last = list[list.length - 1];
    if (last && last.messages.length < MAX_BATCH_MESSAGES) (last.messages as Message[]).push(m);
    else list.push({ v: PEER_WIRE_VERSION, from, messages: [m] });
  }
  return out;
}
