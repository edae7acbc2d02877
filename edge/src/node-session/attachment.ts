import type { Hello } from '@proxima/core/protocol';

/** What a NodeSession remembers about its socket across hibernation (serializeAttachment). */
export interface SocketState {
  readonly nodeId: string;
  readonly session: number;
  readonly connectedAt: number;
  lastSeen: number;
  hello: Hello | null;
  draining: boolean;
}

export function readState(ws: WebSocket): SocketState | null {
  const value: unknown = ws.deserializeAttachment();
  if (typeof value !== 'object' || value === null || !('nodeId' in value)) return null;
  return value as SocketState;
}

export function writeState(ws: WebSocket, state: SocketState): void {
  ws.serializeAttachment(state);
}
