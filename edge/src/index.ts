import { app } from './app.ts';

export { Limiter } from './limiter/limiter.ts';
export { RaftPeer } from './raft/peer/raft-peer.ts';
export { NodeSession } from './node-session/node-session.ts';
export { Registry } from './registry/registry.ts';

export default app;
