/**
 * The requests bench:gateway-peer sends: one chat request per path, whole and streamed, plus the
 * two gateways' cheapest routes (their floor: what their runtime costs before any gateway work).
 */
import { INSTANT_MODEL } from '../gateway/instant-engine.ts';
import type { RequestSpec } from '../load/request.ts';
import { UPSTREAM_KEY, UPSTREAM_MODEL, UPSTREAM_OWN_MODEL, type Stack } from './stack.ts';

/** Chat paths, measured in every phase. */
export type ChatTarget = 'direct' | 'proxima' | 'proxima_node' | 'portkey';
/** Floors, measured beside the chat paths at concurrency 1 only. */
export type FloorTarget = 'proxima_floor' | 'portkey_floor';

export const CHAT_TARGETS: readonly ChatTarget[] = ['direct', 'proxima', 'proxima_node', 'portkey'];
export const FLOOR_TARGETS: readonly FloorTarget[] = ['proxima_floor', 'portkey_floor'];

export interface ChatRequests {
  readonly whole: RequestSpec;
  readonly stream: RequestSpec;
}

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 1,
    ...(stream ? { stream: true } : {}),
  });
}

function chat(url: string, headers: Record<string, string>, model: string): ChatRequests {
  const all = { 'content-type': 'application/json', ...headers };
  return {
    whole: { url, method: 'POST', headers: all, body: chatBody(model, false) },
    stream: { url, method: 'POST', headers: all, body: chatBody(model, true) },
  };
}

export function chatRequests(stack: Stack): Record<ChatTarget, ChatRequests> {
  const proxima = { authorization: `Bearer ${stack.apiKey}` };
  return {
    direct: chat(
      `${stack.upstreamUrl}/v1/chat/completions`,
      { authorization: `Bearer ${UPSTREAM_KEY}` },
      UPSTREAM_OWN_MODEL,
    ),
    proxima: chat(`${stack.proximaUrl}/v1/chat/completions`, proxima, UPSTREAM_MODEL),
    proxima_node: chat(`${stack.proximaUrl}/v1/chat/completions`, proxima, INSTANT_MODEL),
    // Portkey's documented way to reach any OpenAI-compatible server: provider `openai` with a
    // custom host (127.0.0.1 is in its default TRUSTED_CUSTOM_HOSTS).
    portkey: chat(
      `${stack.portkeyUrl}/v1/chat/completions`,
      {
        authorization: `Bearer ${UPSTREAM_KEY}`,
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${stack.upstreamUrl}/v1`,
      },
      UPSTREAM_OWN_MODEL,
    ),
  };
}

export function floorRequests(stack: Stack): Record<FloorTarget, RequestSpec> {
  return {
    // The edge's health route: the local runtime's entry, Hono, no Durable Object.
    proxima_floor: { url: `${stack.proximaUrl}/healthz`, method: 'GET', headers: {} },
    // Portkey's root route answers a constant text.
    portkey_floor: { url: `${stack.portkeyUrl}/`, method: 'GET', headers: {} },
  };
}
