/** Request bodies as sent to Ollama: the client's types, plus fields newer servers read. */
import type { ChatRequest, GenerateRequest } from 'ollama';

/** A tool call as sent back to Ollama: its arguments an object, with the id it was given. */
export interface OllamaWireToolCall {
  readonly id: string;
  readonly function: { readonly name: string; readonly arguments: Record<string, unknown> };
}

/** A message as sent (the client's type lacks `tool_call_id` and call ids, newer servers read them). */
export interface OllamaWireMessage {
  role: string;
  content: string;
  images?: Uint8Array[];
  tool_calls?: OllamaWireToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

/** Fields newer servers read and the client's types do not list. */
interface Strictness {
  /** false: a prompt that does not fit is an error, not silently cut from the front. */
  truncate: false;
  /** false: generation stops at the context's end instead of shifting it. */
  shift: false;
}

/** A tool as sent: its parameters any JSON schema (the client's type is narrower). */
export interface OllamaWireTool {
  type: 'function';
  function: { name: string; description: string; parameters: Readonly<Record<string, unknown>> };
}

export type OllamaChatBody = Omit<ChatRequest, 'messages' | 'stream' | 'tools'> &
  Strictness & { stream: true; messages: OllamaWireMessage[]; tools?: OllamaWireTool[] };
export type OllamaGenerateBody = Omit<GenerateRequest, 'stream'> & Strictness & { stream: true };
