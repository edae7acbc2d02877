import { DASHBOARD_EVENTS, DASHBOARD_PATHS } from '@proxima/core/dashboard';

/** Open live views: SSE streams of the dashboard, each read frame by frame as a page would. */
export interface Viewers {
  /** Snapshot frames read so far, over all streams. */
  frames(): number;
  close(): Promise<void>;
}

const SNAPSHOT_LINE = `event: ${DASHBOARD_EVENTS.snapshot}\n`;

/** Opens `count` streams with a session cookie; resolves once each has delivered its first frame. */
export async function openViewers(
  baseUrl: string,
  cookie: string,
  count: number,
): Promise<Viewers> {
  const controller = new AbortController();
  let frames = 0;
  const readers: Promise<void>[] = [];
  const firsts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    let first: () => void = () => undefined;
    let failed: (err: unknown) => void = () => undefined;
    firsts.push(
      new Promise<void>((resolve, reject) => {
        first = resolve;
        failed = reject;
      }),
    );
    const read = async () => {
      const res = await fetch(new URL(DASHBOARD_PATHS.stream, baseUrl), {
        headers: { cookie, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      let mine = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done && mine === 0) throw new Error('a stream ended before its first frame');
        if (done) return;
        buffered += value;
        // Frames end with a blank line; count whole ones, keep the rest.
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          if (`${buffered.slice(0, end)}\n`.includes(SNAPSHOT_LINE)) {
            frames++;
            mine++;
            first();
          }
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      }
    };
    readers.push(
      read().catch((err: unknown) => {
        if (controller.signal.aborted) return;
        failed(err);
        controller.abort();
      }),
    );
  }
  await Promise.all(firsts);
  return {
    frames: () => frames,
    async close() {
      controller.abort();
      await Promise.all(readers);
    },
  };
}
