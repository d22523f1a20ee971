/**
 * The part of Node's built-in `node:sqlite` (Node 22.13+, 24) this store uses. @types/node 20
 * does not declare the module; delete this file once @types/node is 22 or later.
 */
declare module 'node:sqlite' {
  type SqlValue = null | number | bigint | string | Uint8Array;
  interface RunResult {
    readonly changes: number | bigint;
    readonly lastInsertRowid: number | bigint;
  }
  class StatementSync {
    run(...params: SqlValue[]): RunResult;
    get(...params: SqlValue[]): Record<string, SqlValue> | undefined;
    all(...params: SqlValue[]): Array<Record<string, SqlValue>>;
  }
  class DatabaseSync {
    constructor(path: string, options?: { readonly open?: boolean; readonly timeout?: number });
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
    readonly isOpen: boolean;
  }
}
