/**
 * Why a model download failed, in words a newcomer can act on. `fetch` reports every network
 * failure as "fetch failed" with the real reason in `cause` (a DNS, socket or TLS error code);
 * this names the failing step — DNS lookup, connection, TLS handshake, HTTP status, a body cut
 * short — and what usually causes it.
 */

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** The innermost error with a string code (fetch → undici → net/tls), or the error itself. */
function rootCause(err: unknown): ErrorLike {
  let current = err as ErrorLike | undefined;
  let found: ErrorLike | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if (typeof current.code === 'string') found = current;
    current = current.cause as ErrorLike | undefined;
  }
  return found ?? (err as ErrorLike) ?? {};
}

function isTls(code: string, message: string): boolean {
  return /CERT|SSL|TLS|EPROTO/.test(code) || /certificate|ssl|tls/i.test(message);
}

const proxyNote = (): string =>
  process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy
    ? ' (HTTPS_PROXY is set, but Node\'s fetch connects directly and ignores it)'
    : '';

/** One sentence for a `fetch` / download failure of `url`. */
export function describeDownloadFailure(url: string, err: unknown): string {
  const { host } = new URL(url);
  const cause = rootCause(err);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const message = typeof cause.message === 'string' ? cause.message : String(err);
  if (DNS_CODES.has(code)) return `DNS lookup of ${host} failed (${code}): no internet or no DNS on this machine?${proxyNote()}`;
  if (CONNECTION_CODES.has(code)) return `could not connect to ${host} (${code}): the host refused or is unreachable; a firewall?${proxyNote()}`;
  if (TIMEOUT_CODES.has(code)) return `${host} did not answer in time (${code}): a firewall dropping traffic, or a very slow link${proxyNote()}`;
  if (code && isTls(code, message)) {
    // OpenSSL's own text ("805C…:error:0A00010B:SSL routines:…") says no more than the code.
    const first = message.split('\n')[0]!;
    const detail = first.length <= 100 && !/routines/.test(first) ? `: ${first}` : '';
    return `TLS handshake with ${host} failed (${code}${detail}): a proxy that intercepts HTTPS needs its CA in NODE_EXTRA_CA_CERTS`;
  }
  if (RESET_CODES.has(code)) return `the connection to ${host} was dropped (${code}): retry, or download the file by hand`;
  return `${message}${code ? ` (${code})` : ''}`;
}

/** An HTTP answer that is not the file. */
export function describeHttpStatus(status: number, statusText: string): string {
  const hint = status === 404 ? ': the file moved? Check for a newer doclayout'
    : status === 401 || status === 403 ? ': the host refuses anonymous downloads here'
      : status === 407 ? ': a proxy wants credentials'
        : status === 429 ? ': rate-limited, retry later'
          : status >= 500 ? ': the host has trouble, retry later' : '';
  return `HTTP ${status}${statusText ? ` ${statusText}` : ''}${hint}`;
}
