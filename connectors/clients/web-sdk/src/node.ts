/** Node-only helpers: a store kept in a JSON file (a CLI, a test, an Electron main process). */

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import type { KeyValueStore } from "./store.js";

export type { KeyValueStore } from "./store.js";

/** Every key in one JSON file, rewritten atomically (a temporary file renamed over it) on each
 * change; changes from this process are applied one after another. */
export function fileStore(path: string): KeyValueStore {
  let queue: Promise<unknown> = Promise.resolve();
  const load = async (): Promise<Record<string, unknown>> => {
    try {
      return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
  };
  const change = (apply: (values: Record<string, unknown>) => void): Promise<void> => {
    const next = queue.then(async () => {
      const values = await load();
      apply(values);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(values));
      await rename(temporary, path);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    async get<T>(key: string) {
      await queue;
      return (await load())[key] as T | undefined;
    },
    set: <T>(key: string, value: T) =>
      change((values) => {
        values[key] = value;
      }),
    delete: (key: string) =>
      change((values) => {
        delete values[key];
      }),
  };
}
