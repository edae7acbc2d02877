// Ollama's native API (/api/*) as a thin translation onto the one request type (ChatRequest)
// and back into Ollama's response shapes. Pure: the edge's routes and a node's local API do the I/O.
export * from './chat-request.ts';
export * from './common.ts';
export * from './embed.ts';
export * from './generate-request.ts';
export * from './images.ts';
export * from './messages.ts';
export * from './models.ts';
export * from './options.ts';
export * from './params.ts';
export * from './rendering.ts';
export * from './response.ts';
export * from './routes.ts';

/**
 * The Ollama version /api/version reports: the API level this translation follows (think,
 * tool_name, logprobs). Clients gate on it (VS Code's Ollama provider wants at least 0.6.4).
 */
export const OLLAMA_API_VERSION = '0.12.0';
