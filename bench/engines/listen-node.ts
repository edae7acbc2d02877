// A second node for the engines that talk HTTP: `proxima node --listen` serving the model on its
// local API in its own process, as a remote Ollama or OpenAI-compatible server would.
import { spawnChild, type Child } from '../../local-node/src/dev/child.ts';

const PROXIMA_BIN = new URL('../../local-node/bin/proxima.ts', import.meta.url).pathname;

export interface ListenNode {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startListenNode(modelPath: string, contextSize: number): Promise<ListenNode> {
  const lines: string[] = [];
  let url: string | undefined;
  const child: Child = spawnChild({
    name: 'bench-node',
    command: process.execPath,
    args: [
      PROXIMA_BIN,
      'node',
      '--listen',
      '127.0.0.1:0',
      '--model',
      modelPath,
      '--context-size',
      String(contextSize),
    ],
    onLine: (line) => {
      lines.push(line);
      const match = /"event":"local_api.listening".*"url":"([^"]+)"/.exec(line);
      if (match) url = match[1];
    },
  });
  const deadline = Date.now() + 60_000;
  while (url === undefined) {
    if (Date.now() > deadline)
      throw new Error(`the listening node did not start:\n${lines.slice(-5).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, stop: async () => void (await child.stop('SIGTERM', 5000)) };
}
