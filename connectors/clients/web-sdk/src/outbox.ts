/** The outbox: events kept on the device, in order, until the server has stored them. Adding
 * persists before anything is sent, so a message typed offline survives a reload. */

import type { KeyValueStore } from "./store.js";
import type { PendingEvent } from "./types.js";

export class Outbox {
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
    private readonly onChange: (pending: PendingEvent[]) => void,
  ) {}

  async items(): Promise<PendingEvent[]> {
    await this.changes;
    return (await this.store.get<PendingEvent[]>(this.key)) ?? [];
  }

  add(event: PendingEvent): Promise<void> {
    return this.change((items) => [...items.filter((i) => i.eventId !== event.eventId), event]);
  }

  remove(eventId: string): Promise<void> {
    return this.change((items) => items.filter((i) => i.eventId !== eventId));
  }

  /** Changes apply one after another (read, change, write): those of this client in order,
   * and across the tabs of a browser under a Web Lock, so a message added in one tab is not
   * overwritten by another tab removing a sent one at the same moment. */
  private change(apply: (items: PendingEvent[]) => PendingEvent[]): Promise<void> {
    const write = async (): Promise<void> => {
      const items = apply((await this.store.get<PendingEvent[]>(this.key)) ?? []);
      await this.store.set(this.key, items);
      this.onChange(items);
    };
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    const next = this.changes.then(async () => {
      if (locks === undefined) await write();
      else await locks.request(`threadline:${this.key}`, write);
    });
    this.changes = next.catch(() => undefined);
    return next;
  }
}
