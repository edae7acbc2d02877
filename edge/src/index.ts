import { app } from './app.ts';

export { Limiter } from './limiter/limiter.ts';
export { LshShard } from './rag/lsh-shard.ts';
export { RagNamespace } from './rag/rag-namespace.ts';
export { SemanticCache } from './cache/semantic-cache.ts';
export { RaftPeer } from './raft/peer/raft-peer.ts';
export { NodeSession } from './node-session/node-session.ts';
export { Presence } from './presence/presence.ts';
export { MetricsHub } from './metrics/metrics-hub.ts';
export { AuditLog } from './dashboard/audit-log.ts';
export { LegacyRegistry as Registry } from './registry/legacy-registry.ts';

export default app;
