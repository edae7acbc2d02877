// Ids shown to operators: a prefix of the secret's hash, so they need no randomness and reveal
// nothing usable. The same rule as the SQLite registry's (edge/src/registry/credentials.ts).

/** A secret as the registry stores it: the SHA-256 of the key or token, as lowercase hex. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
export const KEY_ID_PATTERN = /^key_[0-9a-f]{12}$/;
export const TOKEN_ID_PATTERN = /^ntk_[0-9a-f]{12}$/;

export const keyIdOf = (hash: string): string => `key_${hash.slice(0, 12)}`;
export const tokenIdOf = (hash: string): string => `ntk_${hash.slice(0, 12)}`;
