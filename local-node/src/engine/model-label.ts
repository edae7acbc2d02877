/** How a loaded GGUF is named and described to users. */
import { basename } from 'node:path';

/** Model id from the file name: "proxima-demo.gguf" -> "proxima-demo". */
export function modelIdFromPath(path: string): string {
  const id = basename(path)
    .replace(/\.gguf$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._:-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id === '' ? 'model' : id;
}

export interface GgufGeneralInfo {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly architecture?: string | undefined;
}

/** Read from metadata, not the file name, so a renamed demo file is still labelled honestly. */
export function isRandomWeightModel(general: GgufGeneralInfo): boolean {
  const text = `${general.name ?? ''}\n${general.description ?? ''}`.toLowerCase();
  return text.includes('random weights') || text.includes('random-weight');
}

export function describeModel(general: GgufGeneralInfo, id: string): string {
  if (isRandomWeightModel(general)) {
    return 'demo model with random weights: it runs end to end but its output is noise';
  }
  const name = general.name ?? id;
  return general.architecture ? `${name} (${general.architecture}, GGUF)` : `${name} (GGUF)`;
}
