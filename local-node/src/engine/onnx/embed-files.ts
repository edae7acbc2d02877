/**
 * The files an ONNX embedding model comes with, found beside it or one folder up (Hugging Face
 * exports keep the model in onnx/ and tokenizer.json, 1_Pooling/ … at the repository root).
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

type Json = Record<string, unknown>;

export interface EmbedFiles {
  readonly modelPath: string;
  readonly tokenizerPath: string;
  readonly tokenizer: Json;
  /** tokenizer_config.json, or {} when absent. */
  readonly tokenizerConfig: Json;
  /** sentence-transformers 1_Pooling/config.json, when present. */
  readonly pooling?: Json;
  /** sentence-transformers sentence_bert_config.json (max_seq_length), when present. */
  readonly sentenceBert?: Json;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<Json> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path} is not a JSON object`);
  return parsed as Json;
}

/** The first of `relative` found in the model's folder, then its parent. */
async function findBeside(modelPath: string, relative: string): Promise<string | undefined> {
  const dir = dirname(modelPath);
  for (const base of [dir, dirname(dir)]) {
    const path = join(base, relative);
    if (await exists(path)) return path;
  }
  return undefined;
}

async function optionalJson(modelPath: string, relative: string): Promise<Json | undefined> {
  const path = await findBeside(modelPath, relative);
  return path === undefined ? undefined : readJson(path);
}

/** Startup check: the model and a tokenizer exist, and the JSON files parse. */
export async function loadEmbedFiles(
  modelPath: string,
  tokenizerPath?: string,
): Promise<EmbedFiles> {
  if (!(await exists(modelPath))) throw new Error(`ONNX embedding model not found: ${modelPath}`);
  const tokenizerFile = tokenizerPath ?? (await findBeside(modelPath, 'tokenizer.json'));
  if (tokenizerFile === undefined)
    throw new Error(
      `no tokenizer.json beside ${modelPath} or in its parent folder; give its path (tokenizerPath)`,
    );
  if (!(await exists(tokenizerFile))) throw new Error(`tokenizer not found: ${tokenizerFile}`);
  const configPath = join(dirname(tokenizerFile), 'tokenizer_config.json');
  const pooling = await optionalJson(modelPath, join('1_Pooling', 'config.json'));
  const sentenceBert = await optionalJson(modelPath, 'sentence_bert_config.json');
  return {
    modelPath,
    tokenizerPath: tokenizerFile,
    tokenizer: await readJson(tokenizerFile),
    tokenizerConfig: (await exists(configPath)) ? await readJson(configPath) : {},
    ...(pooling === undefined ? {} : { pooling }),
    ...(sentenceBert === undefined ? {} : { sentenceBert }),
  };
}
