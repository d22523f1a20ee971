// Talking to the doclayout service from the browser: errors in the service's JSON shape, the
// class palette (served by the server from the overlay renderer's colours), and the status pill.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const API_KEY_STORAGE = 'doclayout.apiKey';

/** The API key this browser keeps for the service, if any. */
export function apiKey() {
  return localStorage.getItem(API_KEY_STORAGE);
}

/**
 * With API keys configured on the server (--api-keys), work routes answer 401 LAYOUT_ERR_API_KEY
 * without one: the page asks once, keeps the key in this browser's localStorage and retries.
 */
export async function fetchJson(url, init, retried = false) {
  const response = await keyedFetch(url, init);
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200) || response.statusText);
  }
  if (!response.ok) {
    const error = body.error ?? {};
    if (response.status === 401 && error.code === 'LAYOUT_ERR_API_KEY' && !retried) {
      const entered = window.prompt('This service needs an API key:');
      if (entered) {
        localStorage.setItem(API_KEY_STORAGE, entered.trim());
        return fetchJson(url, init, true);
      }
    }
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? response.statusText);
  }
  return body;
}

/** Fetches a file answer (an export): { blob, name } with the name from Content-Disposition. */
export async function fetchFile(url, init, fallbackName) {
  const response = await keyedFetch(url, init);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response.status, body.error?.code ?? `HTTP_${response.status}`, body.error?.message ?? response.statusText);
  }
  return { blob: await response.blob(), name: dispositionName(response, fallbackName) };
}

/** fetch with the stored API key, if any; a service that does not answer is an ApiError. */
async function keyedFetch(url, init) {
  const key = apiKey();
  const headers = new Headers(init?.headers);
  if (key) headers.set('x-api-key', key);
  try {
    return await fetch(url, { ...init, headers });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `The service did not answer (${err.message}).`);
  }
}

/** The file name a download answer gives in Content-Disposition (filename* first), else a fallback. */
function dispositionName(response, fallback) {
  const header = response.headers.get('content-disposition') ?? '';
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (extended) return decodeURIComponent(extended[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/** Saves a blob under `name` through a temporary link. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const palette = new Map();
let paletteLoaded;

/** Loads the built-in colours once; unknown labels are asked for in one request. */
export async function ensureColors(labels = []) {
  paletteLoaded ??= fetchJson('/ui/palette.json').then((colors) => {
    for (const [label, color] of Object.entries(colors)) palette.set(label, color);
  });
  await paletteLoaded;
  const missing = [...new Set(labels)].filter((l) => !palette.has(l));
  if (missing.length > 0) {
    const colors = await fetchJson(`/ui/palette.json?labels=${encodeURIComponent(missing.join(','))}`);
    for (const [label, color] of Object.entries(colors)) palette.set(label, color);
  }
}

export function colorOf(label) {
  return palette.get(label) ?? '#64748b';
}

/** Keeps the header's service pill current: model, ready devices, state. */
export function watchService(pill, intervalMs = 5000) {
  const dot = pill.querySelector('.dot');
  const text = pill.querySelector('span');
  const update = async () => {
    try {
      const status = await fetchJson('/v1/status');
      const ready = status.devices.filter((d) => d.state === 'ready' || d.state === 'busy').length;
      dot.className = `dot ${status.state === 'ready' && ready > 0 ? 'ok' : status.state === 'starting' ? 'warn' : 'bad'}`;
      text.textContent = `${status.model} · ${ready}/${status.devices.length} device${status.devices.length === 1 ? '' : 's'} ready`;
    } catch {
      dot.className = 'dot bad';
      text.textContent = 'service unreachable';
    }
  };
  update();
  return setInterval(update, intervalMs);
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
