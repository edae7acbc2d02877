/** What an embedding graph takes (found from the session) and a padded batch in that shape. */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { TokenizedText } from './embed-tokenizer.ts';

const ID_TYPES = ['int64', 'int32'] as const;
type IdType = (typeof ID_TYPES)[number];

interface GraphInput {
  readonly name: string;
  readonly type: IdType;
}

export interface GraphInputs {
  readonly ids: GraphInput;
  readonly mask?: GraphInput;
  readonly typeIds?: GraphInput;
}

const ROLES = { input_ids: 'ids', attention_mask: 'mask', token_type_ids: 'typeIds' } as const;

/** The graph's inputs by role; an Error naming any input we cannot feed. */
export function graphInputsOf(
  session: Pick<InferenceSession, 'inputMetadata'>,
  what: string,
): GraphInputs {
  const found: { -readonly [K in keyof GraphInputs]?: GraphInput } = {};
  const unknown: string[] = [];
  for (const meta of session.inputMetadata) {
    const role = (ROLES as Record<string, keyof GraphInputs | undefined>)[meta.name];
    if (role === undefined) {
      unknown.push(meta.name);
      continue;
    }
    const type = meta.isTensor ? meta.type : 'non-tensor';
    if (!(ID_TYPES as readonly string[]).includes(type))
      throw new Error(`${what}: input '${meta.name}' is ${type}; expected int64 or int32`);
    found[role] = { name: meta.name, type: type as IdType };
  }
  if (unknown.length > 0)
    throw new Error(
      `${what}: cannot feed input(s) ${unknown.join(', ')}; an embedding model takes ${Object.keys(ROLES).join(', ')}`,
    );
  if (found.ids === undefined) throw new Error(`${what}: the graph has no input_ids input`);
  return { ...found, ids: found.ids };
}

type IdArray = BigInt64Array | Int32Array;

function idArray(type: IdType, length: number): IdArray {
  return type === 'int64' ? new BigInt64Array(length) : new Int32Array(length);
}

function put(array: IdArray, i: number, value: number): void {
  if (array instanceof BigInt64Array) array[i] = BigInt(value);
  else array[i] = value;
}

export interface PaddedBatch {
  readonly feeds: Record<string, Tensor>;
  /** [batch, seq] row-major: 1 for a token, 0 for padding. */
  readonly mask: Uint8Array;
  readonly seq: number;
}

/** Right-pads every text to the longest one, with `padId` and a zero mask past each text's end. */
export function padBatch(
  texts: readonly TokenizedText[],
  inputs: GraphInputs,
  padId: number,
): PaddedBatch {
  const seq = Math.max(...texts.map((t) => t.ids.length));
  const size = texts.length * seq;
  const ids = idArray(inputs.ids.type, size);
  const masks = inputs.mask ? idArray(inputs.mask.type, size) : undefined;
  const typeIds = inputs.typeIds ? idArray(inputs.typeIds.type, size) : undefined;
  const mask = new Uint8Array(size);
  texts.forEach((text, b) => {
    for (let t = 0; t < seq; t++) {
      const at = b * seq + t;
      const inside = t < text.ids.length;
      put(ids, at, inside ? text.ids[t]! : padId);
      mask[at] = inside ? 1 : 0;
      if (masks) put(masks, at, mask[at]);
      if (typeIds) put(typeIds, at, inside ? (text.typeIds[t] ?? 0) : 0);
    }
  });
  const dims = [texts.length, seq];
  const feeds: Record<string, Tensor> = { [inputs.ids.name]: new Tensor(ids, dims) };
  if (inputs.mask && masks) feeds[inputs.mask.name] = new Tensor(masks, dims);
  if (inputs.typeIds && typeIds) feeds[inputs.typeIds.name] = new Tensor(typeIds, dims);
  return { feeds, mask, seq };
}
