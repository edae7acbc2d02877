import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobFrameFits, type JobRequest } from '../node/messages.ts';
import {
  fetchesImages,
  imageHostAllowed,
  imageHostRefused,
  NO_IMAGE_HOSTS,
  parseImageHosts,
} from './image-hosts.ts';
import { IMAGE_LIMITS } from './images.ts';

describe('parseImageHosts', () => {
  it('is off when unset, empty or only separators', () => {
    for (const value of [undefined, '', ' ', ',', ' , ,']) {
      expect(parseImageHosts(value)).toEqual(NO_IMAGE_HOSTS);
      expect(fetchesImages(parseImageHosts(value))).toBe(false);
    }
  });

  it('reads exact names and *.suffix patterns, trimmed, lower-cased, without a trailing dot', () => {
    const hosts = parseImageHosts(' Images.Example.com , *.CDN.example.net.,127.0.0.1,[::1] ');
    expect([...hosts.exact].sort()).toEqual(['127.0.0.1', '[::1]', 'images.example.com']);
    expect(hosts.suffixes).toEqual(['.cdn.example.net']);
    expect(fetchesImages(hosts)).toBe(true);
  });

  it.each([
    ['https://images.example.com', 'https://images.example.com'],
    ['images.example.com:8080', 'images.example.com:8080'],
    ['images.example.com/cats', 'images.example.com/cats'],
    ['*', '*'],
    ['*.', '*.'],
    ['*.*.example.com', '*.*.example.com'],
    ['img.*.example.com', 'img.*.example.com'],
    ['a..b', 'a..b'],
    ['-bad.example.com', '-bad.example.com'],
    ['user@example.com', 'user@example.com'],
    ['bücher.example', 'bücher.example'],
    ['*.[::1]', '*.[::1]'],
    [`${'a'.repeat(64)}.example.com`, `${'a'.repeat(64)}.example.com`],
  ])('refuses %j, naming the entry', (entry, named) => {
    expect(() => parseImageHosts(`ok.example.com, ${entry}`)).toThrow(
      `IMAGE_URL_HOSTS: ${JSON.stringify(named)} is not a host name`,
    );
  });
});

describe('imageHostAllowed', () => {
  const hosts = parseImageHosts('images.example.com,*.cdn.example.net,127.0.0.1');

  it('allows listed names in any case, with or without a trailing dot', () => {
    for (const host of ['images.example.com', 'IMAGES.example.COM', 'images.example.com.'])
      expect(imageHostAllowed(hosts, host)).toBe(true);
    expect(imageHostAllowed(hosts, '127.0.0.1')).toBe(true);
  });

  it('allows subdomains of a wildcard at any depth, but not the domain itself', () => {
    expect(imageHostAllowed(hosts, 'a.cdn.example.net')).toBe(true);
    expect(imageHostAllowed(hosts, 'a.b.cdn.example.net')).toBe(true);
    expect(imageHostAllowed(hosts, 'cdn.example.net')).toBe(false);
  });

  it('refuses look-alikes and everything unlisted', () => {
    for (const host of [
      'evilcdn.example.net',
      'cdn.example.net.evil.com',
      'images.example.com.evil.com',
      'ximages.example.com',
      'example.com',
      '127.0.0.2',
      'localhost',
      '',
      '.',
      'a b.cdn.example.net',
    ])
      expect(imageHostAllowed(hosts, host), host).toBe(false);
  });

  it('refuses every host when off', () => {
    expect(imageHostAllowed(NO_IMAGE_HOSTS, 'images.example.com')).toBe(false);
  });

  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));

  it('a wildcard matches exactly the names that end in "." plus its domain', () => {
    fc.assert(
      fc.property(domain, domain, (base, host) => {
        const allowed = imageHostAllowed(parseImageHosts(`*.${base}`), host);
        expect(allowed).toBe(host.endsWith(`.${base}`));
        expect(imageHostAllowed(parseImageHosts(`*.${base}`), `${host}.${base}`)).toBe(true);
        expect(imageHostAllowed(parseImageHosts(`*.${base}`), base)).toBe(false);
      }),
    );
  });

  it('an exact name matches only itself', () => {
    fc.assert(
      fc.property(domain, domain, (listed, host) => {
        expect(imageHostAllowed(parseImageHosts(listed), host)).toBe(listed === host);
      }),
    );
  });
});

describe('imageHostRefused', () => {
  const param = 'messages[0].content[1].image_url.url';

  it('names the field and the host, and says how to allow it', () => {
    const err = imageHostRefused(parseImageHosts('a.example.com'), 'b.example.com', param);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toContain('b.example.com');
    expect(err.message).toContain('add the host to IMAGE_URL_HOSTS');
    expect(err.message).toContain('data URL');
  });

  it('says when remote images are off, and when a redirect led elsewhere', () => {
    expect(imageHostRefused(NO_IMAGE_HOSTS, 'x.example', param).message).toContain(
      'remote images are off',
    );
    expect(imageHostRefused(NO_IMAGE_HOSTS, 'x.example', param, true).message).toContain(
      'redirects to x.example',
    );
  });
});

describe('IMAGE_LIMITS.bytes', () => {
  const job = (imageBytes: number): JobRequest => ({
    model: 'm',
    messages: [
      {
        role: 'user',
        content: 'What is in this image?',
        images: [{ mimeType: 'image/png', base64: 'A'.repeat(Math.ceil(imageBytes / 3) * 4) }],
      },
    ],
    maxTokens: null,
    temperature: 1,
    topP: 1,
    stop: [],
    seed: null,
  });

  it('a job carrying an image of that many bytes fits a node frame', () => {
    expect(jobFrameFits(job(IMAGE_LIMITS.bytes))).toBe(true);
  });

  it('is not needlessly small: a third more would not fit', () => {
    expect(jobFrameFits(job(Math.ceil(IMAGE_LIMITS.bytes * (4 / 3))))).toBe(false);
  });
});
