/** Where the client keeps what must survive a reload or a restart: the session id, the outbox of
 * messages not yet stored by the server, and the last context read. */

import { createStore, del, get, set, type UseStore } from "idb-keyval";

/** An async key-value store of JSON values; bring your own for React Native (AsyncStorage). */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Kept in memory only: lost on reload (tests, server-side rendering). */
export function memoryStore(): KeyValueStore {
  const values = new Map<string, string>();
  return {
    async get<T>(key: string) {
      const text = values.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
    async set<T>(key: string, value: T) {
      values.set(key, JSON.stringify(value));
    },
    async delete(key: string) {
      values.delete(key);
    },
  };
}

/** IndexedDB (through idb-keyval), one database per origin: survives reloads and restarts. */
export function indexedDbStore(database = "threadline", table = "state"): KeyValueStore {
  let store: UseStore | undefined;
  const open = (): UseStore => (store ??= createStore(database, table));
  return {
    get: <T>(key: string) => get<T>(key, open()),
    set: <T>(key: string, value: T) => set(key, value, open()),
    delete: (key: string) => del(key, open()),
  };
}

/** The default: IndexedDB in a browser, memory elsewhere (Node: pass `fileStore` from
 * `@threadline/web-sdk/node`). */
export function defaultStore(): KeyValueStore {
  return typeof indexedDB === "undefined" ? memoryStore() : indexedDbStore();
}
