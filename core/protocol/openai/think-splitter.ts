// Splits a streamed answer into its text and its reasoning: DeepSeek-R1-style models write their
// reasoning between `<think>` and `</think>`. Tags may be cut anywhere across deltas; whatever the
// cut, the joined output is the same (a partial tag is held back until it is decided).

export interface SplitDelta {
  readonly text: string;
  readonly reasoning: string;
}

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

export interface ThinkSplitterOptions {
  /** The prompt already opened the think section (a template that ends in `<think>`). */
  readonly startInside?: boolean;
}

/**
 * Every `<think>…</think>` section is reasoning, the rest is text; an unclosed section runs to the
 * end. A close tag outside a section, or an open tag inside one, is kept as it is. Whitespace
 * right after a tag is dropped (models put a blank line there; clients should not show it).
 */
export class ThinkSplitter {
  private inside: boolean;
  /** Text not yet decided: a suffix that may still become a tag. */
  private pending = '';
  /** Still inside the whitespace that follows a tag. */
  private afterTag: boolean;

  constructor(options: ThinkSplitterOptions = {}) {
    this.inside = options.startInside === true;
    this.afterTag = this.inside;
  }

  /** Feeds one delta; returns what is decided so far. */
  push(chunk: string): SplitDelta {
    let text = '';
    let reasoning = '';
    const emit = (s: string): void => {
      let out = s;
      if (this.afterTag) {
        out = out.replace(/^\s+/, '');
        if (out !== '') this.afterTag = false;
      }
      if (this.inside) reasoning += out;
      else text += out;
    };
    let buffer = this.pending + chunk;
    for (;;) {
      const tag = this.inside ? THINK_CLOSE : THINK_OPEN;
      const at = buffer.indexOf(tag);
      if (at >= 0) {
        emit(buffer.slice(0, at));
        buffer = buffer.slice(at + tag.length);
        this.inside = !this.inside;
        this.afterTag = true;
        continue;
      }
      const keep = partialTagLength(buffer, tag);
      emit(buffer.slice(0, buffer.length - keep));
      this.pending = buffer.slice(buffer.length - keep);
      return { text, reasoning };
    }
  }

  /** The stream ended: releases a held-back partial tag as what it turned out to be (plain text). */
  end(): SplitDelta {
    // A held-back partial tag starts with '<', so no whitespace is left to drop here.
    const rest = this.pending;
    this.pending = '';
    if (rest !== '') this.afterTag = false;
    return this.inside ? { text: '', reasoning: rest } : { text: rest, reasoning: '' };
  }

  /** True while the stream is inside a think section. */
  get thinking(): boolean {
    return this.inside;
  }
}

/** The longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagLength(s: string, tag: string): number {
  for (let n = Math.min(s.length, tag.length - 1); n > 0; n--) {
    if (tag.startsWith(s.slice(s.length - n))) return n;
  }
  return 0;
}

/** Splits a whole text at once: what a stream of any cut yields. */
export function splitThink(text: string, options: ThinkSplitterOptions = {}): SplitDelta {
  const splitter = new ThinkSplitter(options);
  const a = splitter.push(text);
  const b = splitter.end();
  return { text: a.text + b.text, reasoning: a.reasoning + b.reasoning };
}
