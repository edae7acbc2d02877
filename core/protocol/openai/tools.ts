// Tools in OpenAI's chat shape (and the deprecated `functions` / `function_call`), normalised to
// the one form the router, the node protocol and the engines use.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { assertEnforceableSchema, type JsonSchema } from './json-schema.ts';

/** OpenAI's rule for function names. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TOOL_NAME_RULE = '1-64 characters of A-Z a-z 0-9 _ -';
export const TOOL_LIMITS = {
  tools: 128,
  descriptionChars: 8192,
  /** Tool calls one assistant message may carry. */
  callsPerMessage: 128,
  callIdChars: 128,
} as const;

export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** The arguments' JSON Schema (the enforceable subset); `{type:'object'}` when none was given. */
  readonly parameters: JsonSchema;
}

/** 'none': answer in text; 'auto': the model chooses; 'required': at least one call; or one named. */
export type ToolChoice = 'none' | 'auto' | 'required' | { readonly name: string };

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** JSON text of the arguments, as OpenAI carries it. */
  readonly arguments: string;
}

const toolName = z.string().regex(TOOL_NAME_PATTERN, `must be ${TOOL_NAME_RULE}`);
const description = z.string().max(TOOL_LIMITS.descriptionChars).optional();
const parameters = z.record(z.string(), z.unknown()).optional();

const functionSpec = z.object({
  name: toolName,
  description,
  parameters,
  strict: z.boolean().nullish(),
});

export const wireTool = z.discriminatedUnion('type', [
  z.object({ type: z.literal('function'), function: functionSpec }),
  // Custom tools take free-form text under a grammar of the caller's: refused in toolsOf.
  z.object({ type: z.literal('custom') }).loose(),
]);
export const wireFunction = functionSpec;

export const wireToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: toolName }) }),
  z.object({
    type: z.literal('allowed_tools'),
    allowed_tools: z.object({
      mode: z.enum(['auto', 'required']),
      tools: z
        .array(z.object({ type: z.literal('function'), function: z.object({ name: toolName }) }))
        .min(1)
        .max(TOOL_LIMITS.tools),
    }),
  }),
  z.object({ type: z.literal('custom') }).loose(),
]);
export const wireFunctionCall = z.union([z.enum(['none', 'auto']), z.object({ name: toolName })]);

export const wireToolCall = z.object({
  id: z.string().min(1).max(TOOL_LIMITS.callIdChars),
  type: z.literal('function'),
  function: z.object({ name: toolName, arguments: z.string() }),
});

export interface ToolsOfRequest {
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice: ToolChoice;
  readonly parallelToolCalls: boolean;
}

/**
 * The request's tools, from `tools`/`tool_choice` or the deprecated `functions`/`function_call`
 * (not both). Every parameter schema must be enforceable (json-schema.ts): a grammar guarantees
 * that the arguments parse and match it, on whichever backend serves the request.
 */
export function toolsOf(wire: {
  readonly tools?: readonly z.infer<typeof wireTool>[] | null | undefined;
  readonly tool_choice?: z.infer<typeof wireToolChoice> | null | undefined;
  readonly parallel_tool_calls?: boolean | null | undefined;
  readonly functions?: readonly z.infer<typeof wireFunction>[] | null | undefined;
  readonly function_call?: z.infer<typeof wireFunctionCall> | null | undefined;
}): ToolsOfRequest {
  const modern = (wire.tools?.length ?? 0) > 0 || wire.tool_choice != null;
  const legacy = (wire.functions?.length ?? 0) > 0 || wire.function_call != null;
  if (modern && legacy)
    throw new ProximaError(
      'invalid_request',
      `'functions' is the deprecated form of 'tools': send one of them.`,
      { param: 'functions' },
    );
  const custom = (wire.tools ?? []).findIndex((t) => t.type === 'custom');
  if (custom >= 0)
    throw new ProximaError(
      'unsupported_parameter',
      `'tools[${custom}]' is a custom tool: only function tools are supported.`,
      { param: `tools[${custom}]` },
    );
  if (
    wire.tool_choice != null &&
    typeof wire.tool_choice === 'object' &&
    wire.tool_choice.type === 'custom'
  )
    throw new ProximaError(
      'unsupported_parameter',
      `'tool_choice' names a custom tool: only function tools are supported.`,
      { param: 'tool_choice' },
    );
  const specs = modern
    ? (wire.tools ?? []).flatMap((t) => (t.type === 'function' ? [t.function] : []))
    : (wire.functions ?? []);
  const param = modern ? 'tools' : 'functions';
  const names = new Set<string>();
  const tools = specs.map((spec, i): ToolDefinition => {
    const at = modern ? `tools[${i}].function` : `functions[${i}]`;
    if (names.has(spec.name))
      throw new ProximaError('invalid_request', `'${at}.name': '${spec.name}' is listed twice.`, {
        param: `${at}.name`,
      });
    names.add(spec.name);
    const schema = spec.parameters ?? { type: 'object', properties: {} };
    assertEnforceableSchema(schema, `${at}.parameters`);
    if (schema['type'] !== 'object')
      throw new ProximaError(
        'invalid_request',
        `'${at}.parameters' must describe an object ("type": "object").`,
        { param: `${at}.parameters.type` },
      );
    return { name: spec.name, description: spec.description ?? '', parameters: schema };
  });
  const allowed = allowedOf(wire.tool_choice);
  const choice = modern ? choiceOf(wire.tool_choice) : legacyChoiceOf(wire.function_call);
  if (allowed !== null) {
    const unknown = allowed.find((name) => !names.has(name));
    if (unknown !== undefined)
      throw new ProximaError(
        'invalid_request',
        `'tool_choice.allowed_tools' names '${unknown}', which is not among the tools.`,
        { param: 'tool_choice.allowed_tools.tools' },
      );
  }
  const choiceParam = modern ? 'tool_choice' : 'function_call';
  if (choice !== 'none' && choice !== 'auto' && tools.length === 0)
    throw new ProximaError(
      'invalid_request',
      `'${choiceParam}' asks for a tool call, but no ${param} are given.`,
      { param: choiceParam },
    );
  if (typeof choice === 'object' && !names.has(choice.name))
    throw new ProximaError(
      'invalid_request',
      `'${choiceParam}' names '${choice.name}', which is not among the ${param}.`,
      { param: choiceParam },
    );
  return {
    tools: allowed === null ? tools : tools.filter((t) => allowed.includes(t.name)),
    // With no tools there is nothing to call, whatever the choice said.
    toolChoice: tools.length === 0 ? 'none' : choice,
    // The deprecated form never made parallel calls.
    parallelToolCalls: legacy ? false : (wire.parallel_tool_calls ?? true),
  };
}

function choiceOf(c: z.infer<typeof wireToolChoice> | null | undefined): ToolChoice {
  if (c == null) return 'auto';
  if (typeof c === 'string') return c;
  if (c.type === 'allowed_tools') return c.allowed_tools.mode;
  if (c.type === 'function') return { name: c.function.name };
  return 'none'; // custom: refused before
}

/** The names an `allowed_tools` choice keeps, or null for every tool. */
function allowedOf(c: z.infer<typeof wireToolChoice> | null | undefined): string[] | null {
  if (c == null || typeof c === 'string' || c.type !== 'allowed_tools') return null;
  return c.allowed_tools.tools.map((t) => t.function.name);
}

function legacyChoiceOf(c: z.infer<typeof wireFunctionCall> | null | undefined): ToolChoice {
  if (c == null) return 'auto';
  return typeof c === 'string' ? c : { name: c.name };
}

/** An assistant message's tool calls, normalised; the arguments must be JSON, as OpenAI requires. */
export function toolCallsOf(
  calls: readonly z.infer<typeof wireToolCall>[],
  param: string,
): ToolCall[] {
  return calls.map((c, i) => {
    try {
      JSON.parse(c.function.arguments);
    } catch {
      throw new ProximaError(
        'invalid_request',
        `'${param}[${i}].function.arguments' must be a JSON text.`,
        { param: `${param}[${i}].function.arguments` },
      );
    }
    return { id: c.id, name: c.function.name, arguments: c.function.arguments };
  });
}
