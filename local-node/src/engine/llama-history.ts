/** The chat as node-llama-cpp's history: tool calls and tool answers rendered as text. */
import type { ChatHistoryItem } from 'node-llama-cpp';
import type { EngineMessage } from './engine.ts';
import { renderedToolCalls, renderedToolResponse } from './llama-tools.ts';

export interface HistoryOptions {
  /** The model's turn starts with this text (an assistant prefix, a prefilled tag). */
  readonly prefix?: string;
  /** Appended to the system prompt (the tool list), or a system message of its own. */
  readonly system?: string;
}

/** The chat so far; it ends with the model's turn, open, holding `prefix`. */
export function toHistory(
  messages: readonly EngineMessage[],
  options: HistoryOptions = {},
): ChatHistoryItem[] {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of m.toolCalls ?? []) names.set(c.id, c.name);
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    const last = history.at(-1);
    if (m.role === 'system') history.push({ type: 'system', text: m.content });
    else if (m.role === 'user') history.push({ type: 'user', text: m.content });
    else if (m.role === 'tool') {
      const id = m.toolCallId ?? '';
      const text = renderedToolResponse(names.get(id) ?? '', id, m.content);
      // Answers to one turn's calls travel together, as one user turn.
      if (last?.type === 'user' && last.text.endsWith('</tool_response>'))
        last.text = `${last.text}\n${text}`;
      else history.push({ type: 'user', text });
    } else {
      const calls = m.toolCalls ?? [];
      const text = calls.length > 0 ? m.content + renderedToolCalls(calls) : m.content;
      history.push({ type: 'model', response: [text] });
    }
  }
  if (options.system !== undefined && options.system !== '') {
    const first = history[0];
    if (first?.type === 'system' && typeof first.text === 'string')
      first.text = `${first.text}\n\n${options.system}`;
    else history.unshift({ type: 'system', text: options.system });
  }
  // The turn the model now writes. LlamaChat continues a trailing model response and reports
  // only the text it generates, so a prefix is never streamed again.
  const prefix = options.prefix ?? '';
  history.push({ type: 'model', response: prefix === '' ? [] : [prefix] });
  return history;
}
