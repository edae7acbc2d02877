/**
 * tool_choice 'required' or a named tool, which Ollama has no field for: `format` holds the JSON
 * schema of the calls (an array of {"name", "arguments"}, as the llama engine constrains its own),
 * so Ollama's grammar makes the model write exactly the calls allowed, and the JSON text is read
 * back as tool calls. Ollama (and a Proxima node) take no `tools` beside `format`, so the tools
 * are listed in the system prompt instead, in the llama engine's words.
 */
import type { JsonSchema, ToolCallDelta } from '@proxima/core/protocol';
import type { GenerateRequest } from '../engine.ts';
import { toolCallsSchema, toolInstructions } from '../llama-tools.ts';
import type { OllamaWireMessage } from './ollama-wire.ts';

type Tool = NonNullable<GenerateRequest['tools']>[number];
type Choice = NonNullable<GenerateRequest['toolChoice']>;

export interface ForcedTools {
  readonly tools: readonly Tool[];
  /** 'required' or one tool by name. */
  readonly choice: Choice;
  readonly parallel: boolean;
}

export function forcedToolFormat(forced: ForcedTools): JsonSchema {
  return toolCallsSchema(forced.tools, forced.choice, forced.parallel);
}

/** The messages with the tools listed in the system prompt (the first message, or a new one). */
export function withToolsListed(
  messages: readonly OllamaWireMessage[],
  forced: ForcedTools,
): OllamaWireMessage[] {
  const listing = toolInstructions(forced.tools);
  const [first, ...rest] = messages;
  if (first?.role === 'system')
    return [{ ...first, content: `${first.content}\n\n${listing}` }, ...rest];
  return [{ role: 'system', content: listing }, ...messages];
}

/** The names a call may have. */
function allowedNames(forced: ForcedTools): Set<string> {
  const { choice } = forced;
  return new Set(typeof choice === 'object' ? [choice.name] : forced.tools.map((t) => t.name));
}

function broken(why: string): Error {
  return new Error(`ollama engine: the required tool calls came back malformed: ${why}`);
}

/** The calls in the JSON text written under forcedToolFormat, each with a fresh id. */
export function parseForcedCalls(
  text: string,
  forced: ForcedTools,
  newId: () => string,
): ToolCallDelta[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw broken(`not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  // A lone call object is taken as a list of one (some servers' grammars drop the array).
  const all: unknown[] = Array.isArray(value) ? value : [value];
  const list = forced.parallel ? all : all.slice(0, 1);
  const names = allowedNames(forced);
  if (list.length === 0) throw broken('no calls');
  return list.map((item, index) => {
    const { name, arguments: args } = (item ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof name !== 'string' || !names.has(name))
      throw broken(`call ${index} names ${JSON.stringify(name)}, not an allowed tool`);
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw broken(`call ${index} has no arguments object`);
    return { index, id: newId(), name, arguments: JSON.stringify(args) };
  });
}
