import { rateLimitsPatchSchema } from '@proxima/core/limits';
import {
  ID_PATTERN,
  ID_RULE,
  LABEL_PATTERN,
  LABEL_RULE,
  SECRET_PATTERN,
  SECRET_RULE,
} from '@proxima/core/protocol';
import { KEY_ID_PATTERN, SCOPES, TOKEN_ID_PATTERN } from '@proxima/core/registry';
import * as z from 'zod';

const label = z.string().regex(LABEL_PATTERN, `must be ${LABEL_RULE}`);
const secret = z.string().regex(SECRET_PATTERN, `must be ${SECRET_RULE}`);
const expiresAt = z
  .number('must be a time in ms since the epoch')
  .int('must be an integer number of ms since the epoch')
  .min(0)
  .max(Number.MAX_SAFE_INTEGER);

export const newApiKey = z
  .object({
    tenant: label.default('default'),
    name: label.default('key'),
    key: secret.optional(),
    limits: rateLimitsPatchSchema.optional(),
    /** What the key may call; default chat and models. */
    scopes: z
      .array(z.enum(SCOPES, { error: `must be one of ${SCOPES.join(', ')}` }))
      .min(1)
      .optional(),
    /** The key stops authenticating at this time (ms since the epoch); default never. */
    expiresAt: expiresAt.optional(),
  })
  .strict();

export const keyRotation = z
  .object({ key: secret.optional(), expiresAt: expiresAt.optional() })
  .strict();

export const newNodeToken = z
  .object({
    name: label.default('node'),
    /** Bind the token to this node id now; without it, the first connection binds it. */
    nodeId: z.string().regex(ID_PATTERN, `must be ${ID_RULE}`).optional(),
    token: secret.optional(),
  })
  .strict();

export const limitsUpdate = z.object({ limits: rateLimitsPatchSchema }).strict();

export const tenantName = label;
export const keyId = z.string().regex(KEY_ID_PATTERN, 'is not a key id (key_ and 12 hex digits)');
export const tokenId = z
  .string()
  .regex(TOKEN_ID_PATTERN, 'is not a node token id (ntk_ and 12 hex digits)');
