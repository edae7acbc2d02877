import { Command, Option } from 'commander';
import { LLAMA_GPU_OPTIONS } from '../engine/llama-options.ts';
import { addAdminCommands, adminTools } from './admin-command.ts';
import { runDevCommand } from './dev-command.ts';
import { addEdgeCommands } from './edge-command.ts';
import { DEFAULT_DEMO_PATH, runModelDemoCommand } from './model-command.ts';
import { runNodeCommand } from './node-command.ts';
import { httpUrl, intInRange, nodeId, oneOf } from './parse.ts';
import { addStatusCommand } from './status-command.ts';

/** The `proxima` CLI. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command('proxima')
    .description('Proxima local node and dev fleet')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('node')
    .description('Serve a model to the edge: dials out over WebSocket, no inbound port needed.')
    .requiredOption(
      '--edge <url>',
      'the edge base URL, e.g. https://proxima.example.workers.dev',
      httpUrl,
    )
    .option('--token <token>', 'node token (or set PROXIMA_NODE_TOKEN, which keeps it out of ps)')
    .requiredOption('--model <file.gguf>', 'GGUF model file to serve')
    .addOption(
      new Option('--gpu <kind>', 'GPU backend')
        .choices(LLAMA_GPU_OPTIONS)
        .default('auto')
        .argParser(oneOf(LLAMA_GPU_OPTIONS)),
    )
    .option('--slots <n>', 'concurrent generations', intInRange(1, 64), 1)
    .option(
      '--context-size <tokens>',
      'context size per slot (default: model training size, at most 4096)',
      intInRange(16, 1_048_576),
    )
    .option('--node-id <id>', 'stable node id (default: host name)', nodeId)
    .option(
      '--reasoning',
      'the model reasons in <think> sections (default: when its chat template mentions <think>)',
    )
    .option(
      '--drain-timeout <seconds>',
      'how long SIGTERM waits for jobs in flight',
      intInRange(0, 86_400),
      60,
    )
    .action(async (opts: Parameters<typeof runNodeCommand>[0]) => {
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
