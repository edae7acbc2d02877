export * from './errors.ts';
export * from './validation.ts';
export * from './openai/chat-request.ts';
export * from './openai/chat-response.ts';
export * from './node/close-codes.ts';
export * from './node/messages.ts';
