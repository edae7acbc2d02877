// Streamed tool calls arrive in fragments (OpenAI's `delta.tool_calls`): the first of a call
// carries its index, id and name, the rest pieces of its arguments. Proxima's deltas carry whole
// calls, so the fragments are gathered per index and each call is handed on once complete: when
// the next index starts, or at the end of the answer.
import type { ToolCallDelta } from './answer.ts';

/** One entry of a chunk's `delta.tool_calls`, its fields as far as they were present. */
export interface ToolCallFragment {
  /** Absent on some servers: then a new id starts the next call, anything else continues one. */
  readonly index?: number;
  readonly id?: string;
  readonly name?: string;
  readonly arguments?: string;
}

export type CompletedCalls =
  | { readonly ok: true; readonly calls: readonly ToolCallDelta[] }
  | { readonly ok: false; readonly problem: string };

interface OpenCall {
  readonly index: number;
  id: string;
  name: string;
  arguments: string;
}

const NONE: CompletedCalls = { ok: true, calls: [] };

export class ToolCallFragments {
  /** Calls under way, in the order they started. */
  private open: OpenCall[] = [];
  private readonly done = new Set<number>();
  private readonly newId: (index: number) => string;

  /** `newId`: an id for a call the upstream sent without one. */
  constructor(newId: (index: number) => string) {
    this.newId = newId;
  }

  /** Whether any call is under way. */
  get pending(): boolean {
    return this.open.length > 0;
  }

  /** Takes one chunk's fragments; the calls they completed (those before a new index). */
  add(fragments: readonly ToolCallFragment[]): CompletedCalls {
    const calls: ToolCallDelta[] = [];
    for (const fragment of fragments) {
      const index = this.indexOf(fragment);
      if (this.done.has(index))
        return { ok: false, problem: `tool call ${index} continued after the next one began` };
      let call = this.open.find((c) => c.index === index);
      if (call === undefined) {
        const completed = this.finish();
        if (!completed.ok) return completed;
        calls.push(...completed.calls);
        call = { index, id: '', name: '', arguments: '' };
        this.open.push(call);
      }
      // As the official clients merge them: a repeated id or name replaces, arguments append.
      if (fragment.id) call.id = fragment.id;
      if (fragment.name) call.name = fragment.name;
      call.arguments += fragment.arguments ?? '';
    }
    return { ok: true, calls };
  }

  /** Completes every call under way (at the end of the answer, or when a new index starts). */
  finish(): CompletedCalls {
    if (this.open.length === 0) return NONE;
    const calls: ToolCallDelta[] = [];
    for (const call of this.open) {
      if (call.name === '') return { ok: false, problem: `tool call ${call.index} has no name` };
      this.done.add(call.index);
      calls.push({
        index: call.index,
        id: call.id === '' ? this.newId(call.index) : call.id,
        name: call.name,
        // A call without arguments is sent back as '{}': '' is not the JSON text a client must return.
        arguments: call.arguments === '' ? '{}' : call.arguments,
      });
    }
    this.open = [];
    return { ok: true, calls };
  }

  private indexOf(fragment: ToolCallFragment): number {
    if (fragment.index !== undefined) return fragment.index;
    const last = this.open.at(-1);
    if (last !== undefined && (!fragment.id || fragment.id === last.id)) return last.index;
    return Math.max(-1, ...this.done, ...this.open.map((c) => c.index)) + 1;
  }
}
