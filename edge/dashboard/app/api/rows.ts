// What the keys and node-token lists hold, as far as the page shows them (the registry's views).

export interface KeyRow {
  readonly id: string;
  readonly tenant: string;
  readonly name?: string;
  readonly createdAt?: number;
  readonly expiresAt?: number | null;
  readonly revoked?: boolean;
}

export interface NodeTokenRow {
  readonly id: string;
  readonly name?: string;
  /** null until the token's first connection binds it to a node. */
  readonly nodeId: string | null;
  readonly createdAt?: number;
  readonly boundAt?: number | null;
  readonly revoked?: boolean;
}

export interface KeysList {
  readonly keys: readonly KeyRow[];
}

export interface NodeTokensList {
  readonly tokens: readonly NodeTokenRow[];
}

/** POST keys answer: the key's row plus its secret, shown once. */
export interface CreatedKey extends KeyRow {
  readonly key: string;
}
