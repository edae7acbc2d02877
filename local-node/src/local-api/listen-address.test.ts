import { describe, expect, it } from 'vitest';
import { assertListenAllowed, isLoopbackHost, parseListenAddress } from './listen-address.ts';

describe('parseListenAddress', () => {
  it('reads HOST:PORT, host names, and IPv6 in brackets', () => {
    expect(parseListenAddress('127.0.0.1:11435')).toEqual({ host: '127.0.0.1', port: 11435 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('node-1.lan:8080')).toEqual({ host: 'node-1.lan', port: 8080 });
    expect(parseListenAddress('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
    expect(parseListenAddress('[::]:80')).toEqual({ host: '::', port: 80 });
  });

  it('says what is wrong with anything else', () => {
    const cases: Array<[string, RegExp]> = [
      ['11435', /no port; expected HOST:PORT/],
      [':11435', /no host/],
      ['::1:11435', /IPv6 address goes in brackets, e\.g\. \[::1\]:11435/],
      ['[127.0.0.1]:80', /not an IPv6 address/],
      ['[::1]', /no port/],
      ['localhost:65536', /port must be a number from 0 to 65535/],
      ['localhost:-1', /port must be a number/],
      ['localhost:', /port must be a number/],
      ['local host:80', /neither an IP address nor a host name/],
      ['-bad-:80', /neither an IP address nor a host name/],
    ];
    for (const [value, message] of cases)
      expect(() => parseListenAddress(value), value).toThrow(message);
    expect(() => parseListenAddress('x')).toThrow(/^--listen "x": /);
  });
});

describe('who may listen where', () => {
  it('knows the loopback addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'node-1.lan', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses a non-loopback address without a key, and a weak key anywhere', () => {
    expect(() => assertListenAllowed('127.0.0.1', undefined)).not.toThrow();
    expect(() => assertListenAllowed('0.0.0.0', 'a-long-enough-key-123')).not.toThrow();
    expect(() => assertListenAllowed('0.0.0.0', undefined)).toThrow(
      /refusing to serve the local API on 0\.0\.0\.0 without an API key/,
    );
    expect(() => assertListenAllowed('192.168.1.4', undefined)).toThrow(/listen on 127\.0\.0\.1/);
    expect(() => assertListenAllowed('127.0.0.1', 'short')).toThrow(/16-256 printable ASCII/);
  });
});
