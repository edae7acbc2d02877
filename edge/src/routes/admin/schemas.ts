import { rateLimitsPatchSchema } from '@proxima/core/limits';
import {
  ID_PATTERN,
  ID_RULE,
  LABEL_PATTERN,
  LABEL_RULE,
  SECRET_PATTERN,
  SECRET_RULE,
} from '@proxima/core/protocol';
import * as z from 'zod';

const label = z.string().regex(LABEL_PATTERN, `must be ${LABEL_RULE}`);
const secret = z.string().regex(SECRET_PATTERN, `must be ${SECRET_RULE}`);

export const newApiKey = z
  .object({
    tenant: label.default('default'),
    name: label.default('key'),
    key: secret.optional(),
    limits: rateLimitsPatchSchema.optional(),
  })
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
export const credentialId = z
  .string()
  .regex(/^(key|ntk)_[0-9a-f]{12}$/, 'is not a key or token id');
