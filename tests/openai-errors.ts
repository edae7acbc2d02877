import OpenAI from 'openai';
import { expect } from 'vitest';

export type BadRequest = InstanceType<typeof OpenAI.BadRequestError>;

/** The 400 a call ends in, as the official openai client raises it (fails the test otherwise). */
export async function badRequest(call: Promise<unknown>): Promise<BadRequest> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  return err as BadRequest;
}
