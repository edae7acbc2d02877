// `node functions/src/local-host/main.ts [--port N] [--azurite-dir DIR]`: the Function App on this
// machine. Starts Azurite unless AzureWebJobsStorage is set, then the local host with the real job
// runners, and prints one JSON line on stdout: {"event":"functions.listening","url":...}. Logs
// are JSON lines on stderr. SIGINT/SIGTERM stop the host, the runners and Azurite, in that order.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonLogger } from '@proxima/local-node/log';
import { parseConfig } from '../config.ts';
import { runnerOptionsFrom } from '../queue/runner-options.ts';
import { createRunners } from '../runners/create-runners.ts';
import { startAzurite, type Azurite } from './azurite.ts';
import { startLocalFunctionsHost } from './host.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7071' },
      host: { type: 'string', default: '127.0.0.1' },
      'azurite-dir': { type: 'string', default: join('.proxima', 'azurite') },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535 (it is '${values.port}')`);
  const log = jsonLogger();

  let azurite: Azurite | null = null;
  let env = process.env;
  if (
    (env.AzureWebJobsStorage ?? '') === '' &&
    (env.AzureWebJobsStorage__accountName ?? '') === ''
  ) {
    await mkdir(values['azurite-dir'], { recursive: true });
    azurite = await startAzurite({ dir: values['azurite-dir'] });
    env = { ...env, AzureWebJobsStorage: azurite.connectionString };
    log('info', 'functions.azurite', { ports: azurite.ports, dir: values['azurite-dir'] });
  }
  try {
    const config = parseConfig(env);
    const runner = await createRunners(runnerOptionsFrom(config, log));
    const host = await startLocalFunctionsHost({ port, host: values.host, env, runner, log });
    process.stdout.write(
      `${JSON.stringify({ event: 'functions.listening', url: host.url, jobsUrl: host.jobsUrl, azurite: azurite?.ports ?? null })}\n`,
    );
    await stopSignal();
    log('info', 'functions.stopping');
    await host.close();
    await runner.close();
  } finally {
    await azurite?.close();
  }
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', event: 'functions.failed', error: err instanceof Error ? err.message : String(err) })}\n`,
    );
    process.exit(1);
  },
);
