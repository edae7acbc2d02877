import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../protocol/openai/chat-request.ts';
import { cacheScope, lastUserTurn, type ScopeInput } from './scope.ts';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const system = (content: string): ChatMessage => ({ role: 'system', content });

const base: ScopeInput = {
  tenant: 'acme',
  epoch: 1,
  model: 'llama-3.1-8b',
  params: { temperature: 0.2, max_tokens: 100 },
  messages: [system('You are terse.'), user('how old is he?')],
};

function conversation(about: string): ChatMessage[] {
  return [
    system('You are terse.'),
    user(`Tell me about ${about}.`),
    assistant(`${about} is a character in our story.`),
    user('how old is he?'),
  ];
}

describe('lastUserTurn', () => {
  it('returns the last message when a user sent it', () => {
    expect(lastUserTurn([system('s'), user('hi there')])).toEqual({ ok: true, text: 'hi there' });
  });

  it('says why a conversation is not cacheable', () => {
    expect(lastUserTurn([])).toEqual({ ok: false, reason: 'no_messages' });
    expect(lastUserTurn([user('q'), assistant('a')])).toEqual({
      ok: false,
      reason: 'last_not_user',
    });
    expect(lastUserTurn([user(' \n ')])).toEqual({ ok: false, reason: 'blank_prompt' });
  });
});

describe('cacheScope', () => {
  it('is deterministic and independent of parameter key order', () => {
    const a = cacheScope({ ...base, params: { temperature: 0.2, max_tokens: 100 } });
    const b = cacheScope({ ...base, params: { max_tokens: 100, temperature: 0.2 } });
    expect(a).toBe(b);
    expect(cacheScope(base)).toBe(a);
  });

  it.each<[string, Partial<ScopeInput>]>([
    ['tenant', { tenant: 'globex' }],
    ['epoch', { epoch: 2 }],
    ['model', { model: 'qwen2.5-7b' }],
    ['temperature', { params: { temperature: 0.3, max_tokens: 100 } }],
    ['max_tokens', { params: { temperature: 0.2, max_tokens: 101 } }],
    ['seed', { params: { temperature: 0.2, max_tokens: 100, seed: 7 } }],
    ['stop', { params: { temperature: 0.2, max_tokens: 100, stop: ['\n'] } }],
    [
      'response_format',
      { params: { temperature: 0.2, max_tokens: 100, response_format: { type: 'json_object' } } },
    ],
    ['system prompt', { messages: [system('You are verbose.'), user('how old is he?')] }],
  ])('changes with the %s', (_what, change) => {
    expect(cacheScope({ ...base, ...change })).not.toBe(cacheScope(base));
  });

  it('ignores delivery-only fields, the cache options and null parameters', () => {
    const withDelivery = cacheScope({
      ...base,
      params: {
        max_tokens: 100,
        temperature: 0.2,
        stream: true,
        stream_options: { include_usage: true },
        seed: null,
        proxima: { cache: { mode: 'semantic', ttl: 60 } },
      },
    });
    expect(withDelivery).toBe(cacheScope(base));
    const otherProxima = cacheScope({
      ...base,
      params: { ...base.params, proxima: { route: 'local' } },
    });
    expect(otherProxima).not.toBe(cacheScope(base));
  });

  it('separates conversations whose earlier turns differ ("how old is he?")', () => {
    const alice = cacheScope({ ...base, messages: conversation('Alice') });
    const bob = cacheScope({ ...base, messages: conversation('Bob') });
    expect(alice).not.toBe(bob);
    expect(cacheScope({ ...base, messages: conversation('Alice') })).toBe(alice);
    // A first question and a follow-up with the same words are different scopes too.
    expect(alice).not.toBe(cacheScope(base));
  });

  it('keeps only the window verbatim; older turns count by their number', () => {
    const turns = (first: string, extra: number): ChatMessage[] => [
      user(first),
      assistant('ok'),
      ...Array.from({ length: extra }, (_, i) => (i % 2 ? assistant(`a${i}`) : user(`u${i}`))),
      user('and now?'),
    ];
    const w = (m: ChatMessage[]): string => cacheScope({ ...base, messages: m, windowTurns: 2 });
    // The first turns fall outside a window of 2: their text no longer matters…
    expect(w(turns('about Alice', 4))).toBe(w(turns('about Bob', 4)));
    // …but their number does,
    expect(w(turns('about Alice', 4))).not.toBe(w(turns('about Alice', 6)));
    // and inside the window the text does.
    expect(w(turns('about Alice', 0))).not.toBe(w(turns('about Bob', 0)));
  });

  it('treats whitespace-only differences in earlier turns as the same turn', () => {
    const a = [system('You  are terse.'), user('hi'), assistant('hello'), user('next')];
    const b = [system('You are terse. '), user(' hi'), assistant('hello\n'), user('next')];
    expect(cacheScope({ ...base, messages: a })).toBe(cacheScope({ ...base, messages: b }));
  });

  it('refuses a conversation that is not cacheable', () => {
    expect(() => cacheScope({ ...base, messages: [user('q'), assistant('a')] })).toThrow(
      RangeError,
    );
  });
});

describe('cacheScope: what a message shows besides text', () => {
  const png = (base64: string): ChatMessage => ({
    role: 'user',
    content: 'what is in this picture?',
    images: [{ kind: 'data', mimeType: 'image/png', base64 }],
  });

  it('never shares an answer between two images under the same words', () => {
    const a = cacheScope({ ...base, messages: [png('AAAA')] });
    expect(cacheScope({ ...base, messages: [png('AAAA')] })).toBe(a);
    expect(cacheScope({ ...base, messages: [png('BBBB')] })).not.toBe(a);
    expect(cacheScope({ ...base, messages: [user('what is in this picture?')] })).not.toBe(a);
    const url = (u: string): ChatMessage => ({ ...user('x'), images: [{ kind: 'url', url: u }] });
    expect(cacheScope({ ...base, messages: [url('https://a/1.png')] })).not.toBe(
      cacheScope({ ...base, messages: [url('https://a/2.png')] }),
    );
    // An earlier turn's image is part of the conversation too.
    expect(
      cacheScope({ ...base, messages: [png('AAAA'), assistant('a cat'), user('why?')] }),
    ).not.toBe(cacheScope({ ...base, messages: [png('BBBB'), assistant('a cat'), user('why?')] }));
  });

  it('keys earlier tool calls and tool answers word for word', () => {
    const withCall = (args: string): ChatMessage[] => [
      user('weather?'),
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'get_weather', arguments: args }],
      },
      { role: 'tool', content: '{"c":3}', toolCallId: 'c1' },
      user('and tomorrow?'),
    ];
    expect(cacheScope({ ...base, messages: withCall('{"city":"Oslo"}') })).toBe(
      cacheScope({ ...base, messages: withCall('{"city":"Oslo"}') }),
    );
    expect(cacheScope({ ...base, messages: withCall('{"city":"Oslo"}') })).not.toBe(
      cacheScope({ ...base, messages: withCall('{"city":"Rome"}') }),
    );
  });
});
