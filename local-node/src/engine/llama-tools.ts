/**
 * Tool calling on any chat template, in the Hermes/Qwen style many open models are trained on:
 * the tools are listed in the system prompt inside <tools>…</tools>; the model calls them by
 * writing `<tool_call>` and then a JSON array of {"name", "arguments"} objects, which a grammar
 * built from the tools' schemas constrains; tool answers come back in <tool_response> blocks.
 */
import { TOOL_LIMITS, type JsonSchema, type ToolCallDelta } from '@proxima/core/protocol';
import type { GenerateRequest } from './engine.ts';

export const TOOL_CALL_TAG = '<tool_call>';

type Tool = NonNullable<GenerateRequest['tools']>[number];
type Choice = NonNullable<GenerateRequest['toolChoice']>;

/** The system prompt section that lists the tools and says how to call them. */
export function toolInstructions(tools: readonly Tool[]): string {
  const listed = tools
    .map((t) =>
      JSON.stringify({ name: t.name, description: t.description, parameters: t.parameters }),
    )
    .join('\n');
  return (
    `You may call functions to answer. The functions, with a JSON Schema of each one's arguments:\n` +
    `<tools>\n${listed}\n</tools>\n` +
    `To call functions, write ${TOOL_CALL_TAG} followed by a JSON array of calls, ` +
    `[{"name": <function name>, "arguments": <arguments object>}], and nothing after it. ` +
    `Each result comes back in a <tool_response> block.`
  );
}

/** How an earlier assistant turn's calls read in the prompt: exactly what the model writes. */
export function renderedToolCalls(
  calls: readonly { readonly name: string; readonly arguments: string }[],
): string {
  const items = calls.map((c) => `{"name":${JSON.stringify(c.name)},"arguments":${c.arguments}}`);
  return `${TOOL_CALL_TAG}[${items.join(',')}]`;
}

/** A tool message, for the user turn that carries it back to the model. */
export function renderedToolResponse(name: string, id: string, content: string): string {
  return `<tool_response>\n${JSON.stringify({ name, tool_call_id: id, content })}\n</tool_response>`;
}

/** The calls the model may write: any listed tool (or the one named), one or several. */
export function toolCallsSchema(
  tools: readonly Tool[],
  choice: Choice,
  parallel: boolean,
): JsonSchema {
  const allowed = typeof choice === 'object' ? tools.filter((t) => t.name === choice.name) : tools;
  const $defs: Record<string, unknown> = {};
  const calls = allowed.map((tool, i) => {
    const { body, defs } = hoistDefs(tool.parameters, `t${i}-`);
    Object.assign($defs, defs);
    return {
      type: 'object',
      properties: { name: { const: tool.name }, arguments: body },
      required: ['name', 'arguments'],
      additionalProperties: false,
    };
  });
  return {
    type: 'array',
    items: calls.length === 1 ? calls[0] : { anyOf: calls },
    minItems: 1,
    maxItems: parallel ? TOOL_LIMITS.callsPerMessage : 1,
    ...(Object.keys($defs).length > 0 ? { $defs } : {}),
  };
}

/** The calls in the grammar-constrained text after the tag, each with a fresh id. */
export function parseToolCalls(json: string, newId: () => string): ToolCallDelta[] {
  const calls = JSON.parse(json) as ReadonlyArray<{ name: string; arguments: unknown }>;
  return calls.map((c, index) => ({
    index,
    id: newId(),
    name: c.name,
    arguments: JSON.stringify(c.arguments),
  }));
}

/**
 * A schema's own $defs/definitions moved out under prefixed names, and its refs rewritten to
 * them, so the schema can sit inside another one whose root holds the definitions.
 */
export function hoistDefs(
  schema: JsonSchema,
  prefix: string,
): { body: JsonSchema; defs: Record<string, unknown> } {
  const { $defs, definitions, ...body } = schema;
  const sections = { $defs: asObject($defs), definitions: asObject(definitions) };
  const target = (ref: string): string | undefined => {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    if (!m) return undefined;
    const [section, name] = [m[1] as '$defs' | 'definitions', m[2]!];
    const other = section === '$defs' ? 'definitions' : '$defs';
    if (Object.hasOwn(sections[section], name)) return `${prefix}${section}-${name}`;
    return Object.hasOwn(sections[other], name) ? `${prefix}${other}-${name}` : undefined;
  };
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const to = k === '$ref' && typeof x === 'string' ? target(x) : undefined;
        return [k, to === undefined ? rewrite(x) : `#/$defs/${to}`];
      }),
    );
  };
  const defs: Record<string, unknown> = {};
  for (const section of ['$defs', 'definitions'] as const)
    for (const [name, def] of Object.entries(sections[section]))
      defs[`${prefix}${section}-${name}`] = rewrite(def);
  return { body: rewrite(body) as JsonSchema, defs };
}

function asObject(v: unknown): Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}
