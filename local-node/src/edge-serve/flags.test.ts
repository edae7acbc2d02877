import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { listenAddress, varAssignment } from './flags.ts';

describe('--listen HOST:PORT', () => {
  it.each([
    ['127.0.0.1:8787', { host: '127.0.0.1', port: 8787 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['*:8787', { host: '*', port: 8787 }],
    ['[::1]:8787', { host: '[::1]', port: 8787 }],
    ['[::]:9000', { host: '[::]', port: 9000 }],
    ['localhost:8787', { host: 'localhost', port: 8787 }],
    ['edge-1.lan:8787', { host: 'edge-1.lan', port: 8787 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['127.0.0.1:65535', { host: '127.0.0.1', port: 65535 }],
  ])('accepts %s', (value, expected) => {
    expect(listenAddress(value)).toEqual(expected);
  });

  it.each([
    ['8787', 'HOST:PORT'],
    [':8787', 'HOST:PORT'],
    ['127.0.0.1:', 'HOST:PORT'],
    ['127.0.0.1:http', 'HOST:PORT'],
    ['127.0.0.1:-1', 'HOST:PORT'],
    ['127.0.0.1:65536', 'from 0 to 65535'],
    ['127.0.0.1:99999', 'from 0 to 65535'],
    ['256.0.0.1:80', 'HOST:PORT'],
    ['1.2.3:80', 'HOST:PORT'],
    ['::1:8787', 'HOST:PORT'],
    ['bad host:80', 'HOST:PORT'],
    ['http://127.0.0.1:8787', 'HOST:PORT'],
  ])('rejects %s', (value, message) => {
    expect(() => listenAddress(value)).toThrow(InvalidArgumentError);
    expect(() => listenAddress(value)).toThrow(message);
  });
});

describe('--var NAME=VALUE', () => {
  it('collects repeated flags, a later one winning, and keeps = in values', () => {
    const once = varAssignment('CORS_ORIGINS=*');
    const twice = varAssignment('UPSTREAMS=[{"a":"b=c"}]', once);
    expect(varAssignment('CORS_ORIGINS=https://x', twice)).toEqual({
      CORS_ORIGINS: 'https://x',
      UPSTREAMS: '[{"a":"b=c"}]',
    });
  });

  it('allows an empty value', () => {
    expect(varAssignment('CORS_ORIGINS=')).toEqual({ CORS_ORIGINS: '' });
  });

  it.each(['NOVALUE', '=x', '1ABC=x', 'A-B=x', 'A B=x'])('rejects %j', (value) => {
    expect(() => varAssignment(value)).toThrow(InvalidArgumentError);
  });
});
