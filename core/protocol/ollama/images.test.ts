import { describe, expect, it } from 'vitest';
import { imageDataUrl } from './images.ts';
import { errorOf, PNG_1PX } from './testing.ts';

/** Base64 of the given leading bytes, padded to a whole number of groups. */
const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes, 0, 0, 0));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('imageDataUrl', () => {
  it('reads the type from the magic bytes', () => {
    expect(imageDataUrl(PNG_1PX, 'p')).toBe(`data:image/png;base64,${PNG_1PX}`);
    expect(imageDataUrl(b64([0xff, 0xd8, 0xff, 0xe0]), 'p')).toMatch(/^data:image\/jpeg;/);
    expect(imageDataUrl(b64(ascii('GIF89a')), 'p')).toMatch(/^data:image\/gif;/);
    const webp = b64([...ascii('RIFF'), 0x24, 0x10, 0, 0, ...ascii('WEBPVP8 ')]);
    expect(imageDataUrl(webp, 'p')).toMatch(/^data:image\/webp;/);
    // RIFF without WEBP (a WAV file) is no image.
    const wav = b64([...ascii('RIFF'), 0x24, 0x10, 0, 0, ...ascii('WAVEfmt ')]);
    expect(errorOf(() => imageDataUrl(wav, 'images[0]')).param).toBe('images[0]');
  });

  it('passes a data URL on for the shared checks', () => {
    expect(imageDataUrl('data:image/png;base64,AAAA', 'p')).toBe('data:image/png;base64,AAAA');
  });
});
