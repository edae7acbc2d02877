// POST /api/generate: a prompt (with a system prompt and images) is a one-turn chat; `raw` sends
// the prompt without the chat template; `suffix` asks for the middle (FIM). Resolved by
// parseChatRequest like every request.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '../limits.ts';
import { parseChatRequest, type ChatRequest } from '../openai/chat-request.ts';
import { IMAGE_LIMITS } from '../openai/images.ts';
import { parseOrThrow } from '../validation.ts';
import { sharedFields, wireShared, type OllamaTranslation } from './common.ts';
import { imageDataUrl } from './images.ts';
import { generateParamNamer, namingErrors } from './params.ts';

export const wireOllamaGenerate = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  prompt: z.string().nullish(),
  suffix: z.string().nullish(),
  system: z.string().nullish(),
  raw: z.boolean().nullish(),
  images: z.array(z.string()).max(IMAGE_LIMITS.perRequest).nullish(),
  template: z.string().nullish(),
  context: z.array(z.number()).nullish(),
  // Image generation (Ollama's experimental image models).
  width: z.unknown().optional(),
  height: z.unknown().optional(),
  steps: z.unknown().optional(),
  ...wireShared,
});

type Wire = z.infer<typeof wireOllamaGenerate>;

function unsupported(param: string, why: string): ProximaError {
  return new ProximaError('unsupported_parameter', `'${param}' is not supported: ${why}`, {
    param,
  });
}

function refuseUnservable(wire: Wire, verbatim: boolean): void {
  const images = (wire.images?.length ?? 0) > 0;
  const refusals: Array<[boolean, string, string]> = [
    [!!wire.template, 'template', "nodes apply the model's own chat template."],
    [
      (wire.context?.length ?? 0) > 0,
      'context',
      'no conversation state is kept between requests; send the conversation to /api/chat.',
    ],
    [wire.width != null, 'width', 'image generation is not served.'],
    [wire.height != null, 'height', 'image generation is not served.'],
    [wire.steps != null, 'steps', 'image generation is not served.'],
    [
      verbatim && !!wire.system,
      'system',
      'a raw or fill-in-the-middle prompt goes to the model as it is, without a system prompt.',
    ],
    [
      verbatim && images,
      'images',
      'a raw or fill-in-the-middle prompt carries text only; send images without raw and suffix.',
    ],
  ];
  for (const [refused, param, why] of refusals) if (refused) throw unsupported(param, why);
}

/** Validates an /api/generate body. Throws ProximaError (400) naming the Ollama field. */
export function parseOllamaGenerate(body: unknown): OllamaTranslation {
  const wire = parseOrThrow(wireOllamaGenerate, body, 'request body');
  const prompt = wire.prompt ?? '';
  const suffix = wire.suffix ?? '';
  const images = wire.images ?? [];
  // A raw prompt, or one with a suffix (fill-in-the-middle), goes to the model as it is.
  const verbatim = wire.raw === true || suffix !== '';
  refuseUnservable(wire, verbatim);
  const shared = sharedFields(wire);
  if (prompt === '' && suffix === '' && images.length === 0)
    return { kind: 'load', model: wire.model };
  const system = wire.system ? [{ role: 'system', content: wire.system }] : [];
  const userIndex = system.length;
  const paramOf = generateParamNamer(userIndex, images.length > 0);
  const user =
    images.length === 0
      ? { role: 'user', content: prompt }
      : {
          role: 'user',
          content: [
            { type: 'text', text: prompt },
            ...images.map((image, k) => ({
              type: 'image_url',
              image_url: { url: imageDataUrl(image, `images[${k}]`) },
            })),
          ],
        };
  const openAi: Record<string, unknown> = {
    model: wire.model,
    messages: [...system, user],
    ...shared.fields,
  };
  const parsed = namingErrors(paramOf, () => parseChatRequest(openAi));
  // The prompt was validated as a message's text; a verbatim one then leaves the messages.
  const request: ChatRequest = verbatim
    ? { ...parsed, messages: [], prompt: { text: prompt, ...(suffix === '' ? {} : { suffix }) } }
    : parsed;
  return {
    kind: 'answer',
    body: verbatim ? { ...openAi, messages: [] } : openAi,
    request,
    thinkOff: shared.thinkOff,
    numCtx: shared.numCtx,
    paramOf,
  };
}
