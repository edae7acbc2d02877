/**
 * Grammars that constrain output to JSON: any JSON object (json_object), JSON matching a schema
 * (json_schema, tool calls). node-llama-cpp writes the GBNF; strictGbnf then closes two holes in
 * it so that what the model writes always validates (see below).
 */
import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import type { JsonSchema } from '@proxima/core/protocol';
import { toGbnfJsonSchema } from './gbnf-schema.ts';

/**
 * node-llama-cpp's string character, "anything but quote, backslash and controls", admits code
 * points that are not Unicode scalar values: surrogates and values past U+10FFFF, which byte
 * tokens can spell. Decoded, each such byte becomes U+FFFD, so a string's length no longer
 * matches what the grammar counted. Only valid scalar values are allowed instead.
 */
const LOOSE_STRING_CHAR = String.raw`[^"\\\x7F\x00-\x1F]`;
const STRICT_STRING_CHAR = String.raw`[\x20-\x21\x23-\x5B\x5D-\x7E\x80-\uD7FF\uE000-\U0010FFFF]`;

/** Its date rule admits days a month does not have (02-30, 04-31): valid dates only instead. */
const LOOSE_DATE = String.raw`[0-9]{4} "-" ("0" [1-9] | "1" [012]) "-" ("0" [1-9] | [12] [0-9] | "3" [01])`;
const VALID_DATE_RULES = [
  String.raw`proxima-valid-date ::= [0-9]{4} "-" ( ("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02-" ("0" [1-9] | "1" [0-9] | "2" [0-8]) ) | proxima-leap-year "-02-29"`,
  // Divisible by 4, and by 400 when it ends in 00.
  String.raw`proxima-leap-year ::= [0-9] [0-9] ("0" [48] | [2468] [048] | [13579] [26]) | ("0" [048] | [2468] [048] | [13579] [26]) "00"`,
];

/**
 * Its numbers take exponents of up to 16 digits, which parse to Infinity or 0, and its integers
 * take negative ones (5E-3 is no integer): exponents get 2 digits, integers none.
 */
const LONG_EXPONENT = String.raw` ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?`;
const SHORT_EXPONENT = String.raw` ([eE] [-+]? ("0" | [1-9] [0-9]?))?`;
const JSON_GBNF_EXPONENT = String.raw`([eE] [-+]? [0-9] [1-9]{0,15})?`;
const JSON_GBNF_SHORT_EXPONENT = String.raw`([eE] [-+]? [0-9] [1-9]?)?`;

/** node-llama-cpp's GBNF with only valid Unicode in strings, real dates and finite numbers. */
export function strictGbnf(gbnf: string): string {
  let out = gbnf.split(LOOSE_STRING_CHAR).join(STRICT_STRING_CHAR);
  out = out
    .split('\n')
    .map((line) =>
      line.startsWith('integer-number-rule ::=')
        ? line.split(LONG_EXPONENT).join('')
        : line.split(LONG_EXPONENT).join(SHORT_EXPONENT),
    )
    .join('\n')
    .split(JSON_GBNF_EXPONENT)
    .join(JSON_GBNF_SHORT_EXPONENT);
  if (out.includes(LOOSE_DATE)) {
    out = out.split(LOOSE_DATE).join('proxima-valid-date');
    out = `${out.trimEnd()}\n${VALID_DATE_RULES.join('\n')}\n`;
  }
  return out;
}

/** Grammars by schema, so a repeated schema (a client's fixed format or tools) is built once. */
export class GrammarCache {
  readonly #llama: Llama;
  readonly #cache = new Map<string, Promise<LlamaGrammar>>();
  readonly #size: number;

  constructor(llama: Llama, size = 32) {
    this.#llama = llama;
    this.#size = size;
  }

  /** Any JSON object. */
  jsonObject(): Promise<LlamaGrammar> {
    return this.#get('json', async () => {
      const base = await this.#llama.getGrammarFor('json');
      return this.#strict(base);
    });
  }

  /** JSON valid against `schema` (the subset core accepts); throws UnenforceableSchemaError. */
  jsonSchema(schema: JsonSchema): Promise<LlamaGrammar> {
    // Translate first, outside the cache: a schema that cannot be enforced fails every time.
    // Built from the checked subset: the shapes match node-llama-cpp's types by construction.
    const gbnfSchema = toGbnfJsonSchema(schema) as Parameters<
      Llama['createGrammarForJsonSchema']
    >[0];
    return this.#get(JSON.stringify(schema), async () => {
      const base = await this.#llama.createGrammarForJsonSchema(gbnfSchema);
      return this.#strict(base);
    });
  }

  #strict(base: LlamaGrammar): Promise<LlamaGrammar> {
    return this.#llama.createGrammar({
      grammar: strictGbnf(base.grammar),
      stopGenerationTriggers: base.stopGenerationTriggers,
      trimWhitespaceSuffix: base.trimWhitespaceSuffix,
    });
  }

  #get(key: string, make: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      this.#cache.delete(key); // most recently used last
      this.#cache.set(key, hit);
      return hit;
    }
    const made = make();
    made.catch(() => this.#cache.delete(key));
    this.#cache.set(key, made);
    if (this.#cache.size > this.#size) this.#cache.delete(this.#cache.keys().next().value!);
    return made;
  }
}
