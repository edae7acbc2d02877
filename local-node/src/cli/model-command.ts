import { DEMO_MODEL_FILE_NAME, writeDemoModel } from '../model/demo-gguf.ts';

/** `proxima model demo`: write the random-weight demo GGUF (nothing is downloaded). */
export async function runModelDemoCommand(options: { out: string; seed: number }): Promise<number> {
  const written = await writeDemoModel(options.out, { seed: options.seed });
  process.stdout.write(
    `Wrote ${written.path} (${written.bytes} bytes, sha256 ${written.sha256}).\n` +
      `This is a demo model with RANDOM WEIGHTS: it loads and generates, but its output is noise.\n`,
  );
  return 0;
}

export const DEFAULT_DEMO_PATH = `.proxima/models/${DEMO_MODEL_FILE_NAME}`;
