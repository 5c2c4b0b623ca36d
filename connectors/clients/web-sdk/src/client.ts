/** `createClient`: one person on one channel (a web visitor, an app user) talking to Threadline.
 * The session id, the outbox and the last context are kept in a store so a reload, a restart or
 * a network outage loses nothing. */

import { OfflineError, ThreadlineError } from "./errors.js";
import { LiveFeed, type LiveStatus } from "./live.js";
import {
  Context as ContextQuery,
  CreateContinuationToken,
  Recall,
  ResumeSession,
  SendEvent,
  SetSessionAttributes,
} from "./operations.js";
import { Outbox } from "./outbox.js";
import { defaultStore, type KeyValueStore } from "./store.js";
import { type GetToken, TokenSource, Transport } from "./transport.js";
import type {
  Attributes,
  Context,
  Continuation,
  Message,
  PendingEvent,
  RecallHit,
  SendOptions,
  SendResult,
  Sent,
  Session,
  SessionEvent,
} from "./types.js";

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. https://threadline.example.com/graphql. */
  url: string;
  /** The channel this client speaks on (web, mobile...). */
  channel: string;
  /** Who the person is on that channel (a visitor id, an app user id). */
  externalUserId: string;
  /** A fixed credential… */
  token?: string;
  /** …or a callback returning a user token (asked again with `refresh: true` after a 401). */
  getToken?: GetToken;
  /** Where state is kept (default: IndexedDB in a browser, memory elsewhere). */
  store?: KeyValueStore;
  /** The live endpoint (default: `url` with ws:// or wss://). */
  wsUrl?: string;
  /** Node: the `ws` package's WebSocket (browsers have one). */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
  /** A link template for `continueInApp`: `{token}` is replaced, e.g. myapp://continue/{token}. */
  continueUrl?: string;
  /** How many messages `context()` reads (default 50). */
  lastMessages?: number;
  /** The outbox changed: what is still waiting, oldest first (show them as pending). */
  onPending?: (pending: PendingEvent[]) => void;
  /** An event the server stored (sent now or flushed later). */
  onSent?: (sent: Sent) => void;
  /** An event the server refused for good (BAD_INPUT, FORBIDDEN…): dropped from the outbox. */
  onFailed?: (event: PendingEvent, error: ThreadlineError) => void;
  /** Retry pending events this often while they wait (default 5 s; 0: only on `online`/calls). */
  retryMs?: number;
  /** After the followed session is closed, look for the person's next one (which may start on
   * another channel) this often while subscribed (default 15 s). */
  followEveryMs?: number;
}

export interface AttributeOptions {
  /** Compare-and-set: refused with CONFLICT if the session's attributes changed since. */
  expectedVersion?: number;
  /** On CONFLICT: return the attributes to write over the current state, or null to give up. */
  onConflict?: (current: {
    version: number;
    attributes: Attributes;
  }) => Attributes | null | Promise<Attributes | null>;
}

export interface SubscribeOptions {
  onError?: (error: ThreadlineError) => void;
  onStatus?: (status: LiveStatus) => void;
}

interface CachedContext {
  context: Omit<Context, "stale">;
}

const CATCH_UP_MESSAGES = 200; // read back after a reconnect (the server allows up to 500)

/** A v4 UUID: `crypto.randomUUID` where there is one (browsers, Node), else from
 * `crypto.getRandomValues` (React Native with react-native-get-random-values). */
export function uuid(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  if (typeof crypto?.getRandomValues !== "function") {
    throw new ThreadlineError("BAD_INPUT", "no crypto.getRandomValues: pass your own eventId");
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function continueLink(template: string | undefined, token: string): string {
  return template === undefined ? token : template.replace("{token}", encodeURIComponent(token));
}

export class ThreadlineClient {
  readonly channel: string;
  readonly externalUserId: string;
  private readonly transport: Transport;
  private readonly store: KeyValueStore;
  private readonly outbox: Outbox;
  private readonly keys: { session: string; outbox: string; context: string };
  private sessionId: string | null | undefined; // undefined: not read from the store yet
  private flushing: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextSessionTimer: ReturnType<typeof setInterval> | undefined;
  private readonly feeds = new Set<LiveFeed>();
  private readonly onOnline = () => void this.flush();

  constructor(private readonly options: ClientOptions) {
    if (!options.url || !options.channel || !options.externalUserId) {
      throw new ThreadlineError("BAD_INPUT", "createClient needs url, channel and externalUserId");
    }
    this.channel = options.channel;
    this.externalUserId = options.externalUserId;
    const tokens = new TokenSource(options.token, options.getToken);
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.transport = new Transport(options.url, tokens, fetchImpl);
    this.store = options.store ?? defaultStore();
    const prefix = `threadline:${options.channel}:${options.externalUserId}`;
    this.keys = {
      session: `${prefix}:session`,
      outbox: `${prefix}:outbox`,
      context: `${prefix}:context`,
    };
    this.outbox = new Outbox(this.store, this.keys.outbox, (items) => options.onPending?.(items));
    globalThis.addEventListener?.("online", this.onOnline);
  }

  /** The session this person's messages go to (kept across reloads), or null before the first. */
  async currentSessionId(): Promise<string | null> {
    if (this.sessionId === undefined) {
      this.sessionId = (await this.store.get<string>(this.keys.session)) ?? null;
    }
    return this.sessionId;
  }

  /** Send a message: kept in the outbox first (it survives a reload), then stored by the server.
   * Offline, it stays pending and is sent, in order and with the time it was written, when the
   * network returns. A retry is stored once (its eventId). */
  async send(text: string | null, options: SendOptions = {}): Promise<SendResult> {
    const event: PendingEvent = {
      eventId: options.eventId ?? uuid(),
      text,
      occurredAt: new Date().toISOString(),
    };
    if (options.attributes !== undefined) event.attributes = options.attributes;
    if (options.metadata !== undefined) event.metadata = options.metadata;
    await this.outbox.add(event);
    const outcome = await this.flush();
    const sent = outcome.sent.find((s) => s.eventId === event.eventId);
    if (sent !== undefined) return sent;
    const failed = outcome.failed.find((f) => f.event.eventId === event.eventId);
    if (failed !== undefined) throw failed.error;
    const waiting = (await this.outbox.items()).some((e) => e.eventId === event.eventId);
    if (!waiting) {
      // another tab's flush sent it: ask again for its result (stored once: its eventId)
      try {
        return await this.deliver(event);
      } catch {
        // it is stored (the other tab saw it through); the result comes with onSent there
      }
    }
    return { status: "pending", eventId: event.eventId, reason: outcome.waiting ?? "QUEUED" };
  }

  /** What is still waiting to be stored, oldest first. */
  pending(): Promise<PendingEvent[]> {
    return this.outbox.items();
  }

  /** Send what waits in the outbox, oldest first, one at a time; stops at the first event the
   * server cannot take now (offline, unavailable, no valid token) and tries again later. */
  async flush(): Promise<FlushOutcome> {
    const outcome: FlushOutcome = { sent: [], failed: [] };
    // one flush at a time; a call while one runs waits for it and then flushes what is left
    while (this.flushing !== null) await this.flushing;
    let release: () => void = () => undefined;
    this.flushing = new Promise<void>((resolve) => (release = resolve));
    try {
      for (;;) {
        const [event] = await this.outbox.items();
        if (event === undefined) break;
        try {
          const sent = await this.deliver(event);
          await this.outbox.remove(event.eventId);
          outcome.sent.push(sent);
          this.options.onSent?.(sent);
        } catch (error) {
          const failure = error instanceof ThreadlineError ? error : new OfflineError(error);
          // what the person typed is never dropped for want of a valid token: it waits
          if (failure.retryable || failure.code === "UNAUTHENTICATED") {
            outcome.waiting = failure.code;
            this.retryLater();
            break;
          }
          await this.outbox.remove(event.eventId);
          outcome.failed.push({ event, error: failure });
          this.options.onFailed?.(event, failure);
        }
      }
    } finally {
      this.flushing = null;
      release();
    }
    return outcome;
  }

  private async deliver(event: PendingEvent): Promise<Sent> {
    const sessionId = await this.currentSessionId();
    const input: Record<string, unknown> = {
      eventId: event.eventId,
      channel: this.channel,
      externalUserId: this.externalUserId,
      text: event.text,
      occurredAt: event.occurredAt,
      attributes: event.attributes ?? null,
      metadata: event.metadata ?? null,
      sessionId,
    };
    let data: SendData;
    try {
      data = await this.transport.request<SendData>(SendEvent, { event: input });
    } catch (error) {
      const stale = error instanceof ThreadlineError && error.extensions.field === "sessionId";
      if (!stale || sessionId === null) throw error;
      // the kept session is no longer this person's (erased, unmerged): start afresh
      await this.setSession(null);
      data = await this.transport.request<SendData>(SendEvent, {
        event: { ...input, sessionId: null },
      });
    }
    const [result] = data.ingestEvents.results;
    if (result === undefined) throw new ThreadlineError("INTERNAL", "no result for the event");
    await this.setSession(result.sessionId);
    return {
      status: "sent",
      eventId: result.eventId,
      sessionId: result.sessionId,
      messageId: result.messageId,
      seq: result.seq,
      duplicate: result.duplicate,
    };
  }

  private retryLater(): void {
    const every = this.options.retryMs ?? 5000;
    if (every <= 0 || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, every);
  }

  private async setSession(sessionId: string | null): Promise<void> {
    if (sessionId === (await this.currentSessionId())) return;
    this.sessionId = sessionId;
    if (sessionId === null) await this.store.delete(this.keys.session);
    else await this.store.set(this.keys.session, sessionId);
    if (sessionId !== null) for (const feed of this.feeds) feed.switchTo(sessionId, 0);
  }

  /** The conversation across channels: the session, its last messages, its attributes. Offline,
   * the copy kept from the last read, with `stale: true`. Null before the person's first message. */
  async context(options: { lastMessages?: number } = {}): Promise<Context | null> {
    const lastMessages = options.lastMessages ?? this.options.lastMessages ?? 50;
    let data: { context: Omit<Context, "stale" | "fetchedAt"> };
    try {
      data = await this.transport.request(ContextQuery, {
        channel: this.channel,
        externalUserId: this.externalUserId,
        lastMessages,
      });
    } catch (error) {
      if (error instanceof ThreadlineError && error.code === "NOT_FOUND") return null;
      if (error instanceof ThreadlineError && error.retryable) {
        const cached = await this.store.get<CachedContext>(this.keys.context);
        if (cached !== undefined) return { ...cached.context, stale: true };
      }
      throw error;
    }
    const context = { ...data.context, fetchedAt: new Date().toISOString() };
    await this.store.set<CachedContext>(this.keys.context, { context });
    await this.setSession(context.session.id);
    return { ...context, stale: false };
  }

  /** What the person said earlier, on any channel, that answers `query`. */
  async recall(query: string, options: { limit?: number } = {}): Promise<RecallHit[]> {
    const data = await this.transport.request<{ recall: { hits: RecallHit[] } }>(Recall, {
      channel: this.channel,
      externalUserId: this.externalUserId,
      query,
      limit: options.limit ?? 5,
    });
    return data.recall.hits;
  }

  /** Merge attributes into the session; with `expectedVersion` a compare-and-set, and on
   * CONFLICT `onConflict` decides what to write over the current state (up to 3 rounds). */
  async setAttributes(
    attributes: Attributes,
    options: AttributeOptions = {},
  ): Promise<{ version: number; attributes: Attributes }> {
    const sessionId = await this.currentSessionId();
    if (sessionId === null) {
      throw new ThreadlineError("NO_SESSION", "no session yet: send a message first");
    }
    let writing = attributes;
    let expected = options.expectedVersion;
    for (let round = 0; ; round += 1) {
      try {
        const data = await this.transport.request<{
          setSessionAttributes: Session & { attributes: Attributes };
        }>(SetSessionAttributes, {
          sessionId,
          attributes: writing,
          expectedVersion: expected ?? null,
        });
        const { version, attributes: stored } = data.setSessionAttributes;
        return { version, attributes: stored };
      } catch (error) {
        if (!(error instanceof ThreadlineError) || error.code !== "CONFLICT") throw error;
        if (options.onConflict === undefined || round >= 2) throw error;
        const current = {
          version: Number(error.extensions.version),
          attributes: (error.extensions.attributes ?? {}) as Attributes,
        };
        const next = await options.onConflict(current);
        if (next === null) throw error;
        writing = next;
        expected = current.version;
      }
    }
  }

  /** Live events of the person's session (messages from every channel, attributes, handoffs,
   * status), reconnecting by itself; after a reconnect the messages missed meanwhile come first,
   * in order, none twice. Follows the conversation to a new session. Returns `unsubscribe`. */
  async subscribe(
    onEvent: (event: SessionEvent) => void,
    options: SubscribeOptions = {},
  ): Promise<() => void> {
    let sessionId = await this.currentSessionId();
    let afterSeq = 0;
    const context = await this.context().catch(() => null);
    if (context !== null) {
      sessionId = context.session.id;
      afterSeq = context.session.seq;
    }
    if (sessionId === null) {
      throw new ThreadlineError("NO_SESSION", "no session yet: send a message first");
    }
    const feed = new LiveFeed(
      {
        url: this.options.wsUrl ?? this.options.url.replace(/^http/, "ws"),
        tokens: this.transport.tokens,
        webSocketImpl: this.options.webSocketImpl,
        missedSince: (session, after) => this.missedSince(session, after),
        onEvent,
        onError: options.onError,
        onStatus: options.onStatus,
        onSessionClosed: (closed) => this.lookForNextSession(closed),
      },
      sessionId,
      afterSeq,
    );
    this.feeds.add(feed);
    return () => {
      this.feeds.delete(feed);
      feed.close();
      if (this.feeds.size === 0) this.stopLooking();
    };
  }

  /** The followed session was closed: read the context now and then (it names the person's
   * current session) until another one appears — live feeds then switch to it and deliver what
   * it holds. The person's next message from this client switches at once. */
  private lookForNextSession(closed: string): void {
    this.stopLooking();
    const every = this.options.followEveryMs ?? 15_000;
    this.nextSessionTimer = setInterval(() => {
      void this.context()
        .then(async () => {
          if ((await this.currentSessionId()) !== closed) this.stopLooking();
        })
        .catch(() => undefined); // offline: try at the next tick
    }, every);
  }

  private stopLooking(): void {
    if (this.nextSessionTimer !== undefined) clearInterval(this.nextSessionTimer);
    this.nextSessionTimer = undefined;
  }

  private async missedSince(sessionId: string, afterSeq: number): Promise<Message[]> {
    // the messages since the last one shown, up to CATCH_UP_MESSAGES of them (an outage longer
    // than that shows its latest; context() has them all)
    const context = await this.context({ lastMessages: CATCH_UP_MESSAGES });
    if (context === null || context.session.id !== sessionId) return [];
    return context.messages.filter((m) => m.seq > afterSeq).sort((a, b) => a.seq - b.seq);
  }

  /** "Continue in app": a single-use token for this session, as a link and a QR payload. */
  async continueInApp(options: { ttlSeconds?: number } = {}): Promise<Continuation> {
    const sessionId = await this.currentSessionId();
    if (sessionId === null) {
      throw new ThreadlineError("NO_SESSION", "no session yet: send a message first");
    }
    const data = await this.transport.request<{
      createContinuationToken: { token: string; sessionId: string; expiresAt: string };
    }>(CreateContinuationToken, { sessionId, ttlSeconds: options.ttlSeconds ?? 900 });
    const { token, expiresAt } = data.createContinuationToken;
    const link = continueLink(this.options.continueUrl, token);
    return { token, sessionId, expiresAt, link, qrPayload: link };
  }

  /** The other side of "Continue in app": redeem the token for this identity, then read the
   * conversation so the app opens on it. */
  async resume(token: string): Promise<Context> {
    const data = await this.transport.request<{ resumeSession: { id: string } }>(ResumeSession, {
      token,
      channel: this.channel,
      externalUserId: this.externalUserId,
    });
    await this.setSession(data.resumeSession.id);
    const context = await this.context();
    if (context === null) throw new ThreadlineError("NOT_FOUND", "the resumed session is gone");
    return context;
  }

  /** Stop live feeds and timers (the stored state stays). */
  close(): void {
    for (const feed of this.feeds) feed.close();
    this.feeds.clear();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.stopLooking();
    globalThis.removeEventListener?.("online", this.onOnline);
  }
}

export interface FlushOutcome {
  /** Stored by the server now, in order. */
  sent: Sent[];
  /** Refused for good (BAD_INPUT, LIMIT_EXCEEDED, FORBIDDEN…): dropped from the outbox. */
  failed: { event: PendingEvent; error: ThreadlineError }[];
  /** Why the rest waits (OFFLINE, UNAVAILABLE, UNAUTHENTICATED…), when something does. */
  waiting?: string;
}

interface SendData {
  ingestEvents: {
    accepted: number;
    duplicates: number;
    results: {
      eventId: string;
      sessionId: string;
      messageId: string | null;
      seq: number | null;
      duplicate: boolean;
    }[];
  };
}

/** A client for one person on one channel. */
export function createClient(options: ClientOptions): ThreadlineClient {
  return new ThreadlineClient(options);
}
