/**
 * Loads Node's built-in `node:sqlite` (no native dependency to install or compile). Node 22
 * prints an ExperimentalWarning when the module is first loaded; that one warning — and no other
 * — is dropped while it loads.
 */
type SqliteModule = typeof import('node:sqlite');

let loading: Promise<SqliteModule> | undefined;

function isSqliteWarning(warning: unknown, type: unknown): boolean {
  const text = warning instanceof Error ? warning.message : String(warning);
  const kind = warning instanceof Error ? warning.name : typeof type === 'string' ? type : (type as { type?: string } | undefined)?.type;
  return kind === 'ExperimentalWarning' && /SQLite/i.test(text);
}

export function loadSqlite(): Promise<SqliteModule> {
  loading ??= (async () => {
    const emit = process.emitWarning;
    process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
      if (isSqliteWarning(warning, rest[0])) return;
      return (emit as (...args: unknown[]) => void).call(this, warning, ...rest);
    } as typeof process.emitWarning;
    try {
      return await import('node:sqlite');
    } finally {
      process.emitWarning = emit;
    }
  })();
  return loading;
}
