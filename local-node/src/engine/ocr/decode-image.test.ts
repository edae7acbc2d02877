import { createCanvas } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.ts';

describe('decodeImage', () => {
  it('puts transparency over white and gives RGB', async () => {
    const canvas = createCanvas(8, 4);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ff0000';
    ctx.fillRect(0, 0, 4, 4); // the right half stays transparent
    const image = await decodeImage({ mimeType: 'image/png', bytes: await canvas.encode('png') });
    expect([image.width, image.height, image.data.length]).toEqual([8, 4, 8 * 4 * 3]);
    expect([...image.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect([...image.data.subarray(7 * 3, 8 * 3)]).toEqual([255, 255, 255]);
  });
});
