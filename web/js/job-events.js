// Following a job through `GET /v1/jobs/:id/events` (Server-Sent Events): `page` per stored page,
// `progress` when the counts change, `done` at the end. EventSource resumes by itself with
// Last-Event-ID after a dropped connection (a server restart: a durable job goes on). It cannot
// send an API key, so with a key stored the same stream is read through fetch, resuming the same way.
import { ApiError, apiKey } from './api.js';

const RETRY_MS = 2000;

/**
 * Calls handlers.page / progress / done with each event's parsed data; handlers.lost(error) when
 * the stream cannot be opened (the job is gone, the key is refused). Returns a function that stops.
 */
export function followEvents(url, handlers) {
  const key = apiKey();
  return key ? followWithFetch(url, key, handlers) : followWithEventSource(url, handlers);
}

function followWithEventSource(url, handlers) {
  const source = new EventSource(url);
  let finished = false;
  for (const name of ['page', 'progress']) source.addEventListener(name, (e) => handlers[name](JSON.parse(e.data)));
  source.addEventListener('done', (e) => {
    finished = true;
    source.close();
    handlers.done(JSON.parse(e.data));
  });
  // A dropped connection is retried by EventSource itself; a refused one (4xx) closes it.
  source.addEventListener('error', () => {
    if (!finished && source.readyState === EventSource.CLOSED) handlers.lost(new ApiError(0, 'EVENTS', 'The job\'s event stream was refused.'));
  });
  return () => source.close();
}

function followWithFetch(url, key, handlers) {
  const stop = new AbortController();
  let lastId = '';
  const run = async () => {
    while (!stop.signal.aborted) {
      let response;
      try {
        response = await fetch(url, { headers: { 'x-api-key': key, ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: stop.signal });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        return handlers.lost(new ApiError(response.status, body.error?.code ?? `HTTP_${response.status}`, body.error?.message ?? response.statusText));
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseBlock(block);
            if (event.id) lastId = event.id;
            if (event.name && event.data) handlers[event.name]?.(JSON.parse(event.data));
            if (event.name === 'done') return;
          }
        }
      } catch {
        // The connection dropped: read again from lastId.
      }
      if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  run();
  return () => stop.abort();
}

function parseBlock(block) {
  const event = { name: 'message', data: '', id: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event.name = line.slice(7);
    else if (line.startsWith('data: ')) event.data += line.slice(6);
    else if (line.startsWith('id: ')) event.id = line.slice(4);
  }
  return event;
}
