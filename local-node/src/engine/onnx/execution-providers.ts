/**
 * Which ONNX Runtime execution provider runs a model (`--ep`), and a session on it. The npm
 * onnxruntime-node build ships cpu and webgpu everywhere, dml on Windows, coreml on macOS, and
 * cuda/tensorrt on Linux x64 only once its install script has fetched the provider libraries;
 * docs/design/0032-engines.md ("ONNX engines and execution providers") says how to get each.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';
import type { Logger } from '../../agent/log.ts';

export const EP_CHOICES = [
  'auto',
  'cpu',
  'cuda',
  'tensorrt',
  'dml',
  'coreml',
  'qnn',
  'openvino',
  'vitisai',
] as const;
export type EpChoice = (typeof EP_CHOICES)[number];
export type ExecutionProvider = Exclude<EpChoice, 'auto'>;

/**
 * What `auto` tries, best first, before cpu. TensorRT is left out: it builds an engine per input
 * shape at session start (minutes, again for every new sequence length), so it is opt-in. WebGPU
 * is left out: experimental in onnxruntime-node, and without a GPU it may pick a software adapter
 * slower than the CPU provider.
 */
export const AUTO_ORDER: readonly ExecutionProvider[] = [
  'cuda',
  'dml',
  'coreml',
  'qnn',
  'openvino',
  'vitisai',
];

export function isEpChoice(value: string): value is EpChoice {
  return (EP_CHOICES as readonly string[]).includes(value);
}

export function parseEpChoice(value: string): EpChoice {
  const choice = value.trim().toLowerCase();
  if (isEpChoice(choice)) return choice;
  throw new Error(
    `unknown execution provider '${value}'; choose one of: ${EP_CHOICES.join(', ')}.`,
  );
}

/** Provider libraries onnxruntime-node's install script downloads rather than bundles. */
const DOWNLOADED_LIBRARY: Partial<Record<ExecutionProvider, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

const INSTALL_CUDA =
  'node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12';

/** How to get each provider, for the error a named but missing provider raises. */
const HOW_TO_GET: Record<ExecutionProvider, string> = {
  cpu: 'it is always bundled.',
  cuda: `on Linux x64 with an NVIDIA driver, CUDA 12 and cuDNN 9, run \`${INSTALL_CUDA}\` (the project denies onnxruntime-node's install script, which would do this).`,
  tensorrt: `on Linux x64 with CUDA 12, cuDNN 9 and TensorRT 10, run \`${INSTALL_CUDA}\` (it fetches the TensorRT provider too).`,
  dml: 'DirectML is bundled only in the Windows builds (x64, arm64); use a Windows machine.',
  coreml: 'CoreML is bundled only in the macOS builds; use a Mac.',
  qnn: 'the npm onnxruntime-node has no QNN build; build onnxruntime-node from source with --use_qnn on Windows on Snapdragon.',
  openvino:
    'the npm onnxruntime-node has no OpenVINO provider, and its Node binding cannot register one; use the cpu provider on Intel, or a Python/C++ ONNX Runtime with OpenVINO.',
  vitisai:
    'the npm onnxruntime-node has no Vitis AI provider, and its Node binding cannot register one; use the Ryzen AI software (Python/C++ ONNX Runtime) for AMD XDNA NPUs.',
};

/** Where onnxruntime-node keeps this platform's native libraries. */
function runtimeBinFolder(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', platform(), arch());
}

/** Why `provider` cannot be tried in this runtime, or undefined when it can. */
export function unavailableReason(provider: ExecutionProvider): string | undefined {
  const backend = listSupportedBackends().find((b) => b.name === provider);
  const where = `${platform()}/${arch()}`;
  if (backend === undefined)
    return `the onnxruntime-node build for ${where} has no '${provider}' execution provider`;
  const library = DOWNLOADED_LIBRARY[provider];
  if (!backend.bundled && library !== undefined && !existsSync(join(runtimeBinFolder(), library)))
    return `the '${provider}' provider library (${library}) is not installed`;
  return undefined;
}

function sessionOptionsFor(
  provider: ExecutionProvider,
  base: InferenceSession.SessionOptions,
): InferenceSession.SessionOptions {
  // DirectML cannot run with memory patterns or parallel execution (its documented requirement).
  const dml: InferenceSession.SessionOptions =
    provider === 'dml' ? { enableMemPattern: false, executionMode: 'sequential' } : {};
  return { ...base, ...dml, executionProviders: [provider] };
}

export interface CreateSessionOptions {
  /** Threads, graph optimisation …; `executionProviders` is chosen here. */
  readonly sessionOptions?: Omit<InferenceSession.SessionOptions, 'executionProviders'>;
  /** Told which providers `auto` skipped or failed on, and which one ran. */
  readonly log?: Logger;
}

export interface ProviderSession {
  readonly session: InferenceSession;
  /** The provider whose session creation succeeded (never 'auto'). */
  readonly provider: ExecutionProvider;
}

/** A missing or failing named provider, with how to install it; the node refuses to start. */
export class ExecutionProviderError extends Error {
  override readonly name = 'ExecutionProviderError';
  readonly provider: ExecutionProvider;

  constructor(provider: ExecutionProvider, reason: string, options?: ErrorOptions) {
    super(`--ep ${provider}: ${reason}. To get it: ${HOW_TO_GET[provider]}`, options);
    this.provider = provider;
  }
}

async function open(
  model: string | Uint8Array,
  provider: ExecutionProvider,
  base: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  const options = sessionOptionsFor(provider, base);
  return typeof model === 'string'
    ? InferenceSession.create(model, options)
    : InferenceSession.create(model, options);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates a session on the chosen provider. 'auto' tries AUTO_ORDER's providers this runtime can
 * load, in order, and falls back to cpu; a named provider that is missing or fails to start throws
 * ExecutionProviderError saying how to install it. A model the cpu provider rejects is the model's
 * fault and throws as onnxruntime reports it.
 */
export async function createSession(
  model: string | Uint8Array,
  choice: EpChoice,
  options: CreateSessionOptions = {},
): Promise<ProviderSession> {
  const base = options.sessionOptions ?? {};
  const log = options.log;
  if (choice !== 'auto' && choice !== 'cpu') {
    const reason = unavailableReason(choice);
    if (reason !== undefined) throw new ExecutionProviderError(choice, reason);
    try {
      return { session: await open(model, choice, base), provider: choice };
    } catch (err) {
      throw new ExecutionProviderError(choice, `session creation failed (${messageOf(err)})`, {
        cause: err,
      });
    }
  }
  if (choice === 'auto') {
    for (const provider of AUTO_ORDER) {
      const reason = unavailableReason(provider);
      if (reason !== undefined) {
        log?.('debug', 'onnx_ep_skipped', { provider, reason });
        continue;
      }
      try {
        const session = await open(model, provider, base);
        log?.('info', 'onnx_ep_selected', { choice, provider });
        return { session, provider };
      } catch (err) {
        log?.('warn', 'onnx_ep_failed', { provider, error: messageOf(err) });
      }
    }
  }
  const session = await open(model, 'cpu', base);
  log?.('info', 'onnx_ep_selected', { choice, provider: 'cpu' });
  return { session, provider: 'cpu' };
}
