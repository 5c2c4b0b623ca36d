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

  /** Changes of this client apply one after another (read, change, write). */
  private change(apply: (items: PendingEvent[]) => PendingEvent[]): Promise<void> {
    const next = this.changes.then(async () => {
      const items = apply((await this.store.get<PendingEvent[]>(this.key)) ?? []);
      await this.store.set(this.key, items);
      this.onChange(items);
    });
    this.changes = next.catch(() => undefined);
    return next;
  }
}
