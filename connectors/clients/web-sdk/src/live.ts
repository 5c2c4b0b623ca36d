/** Live session events over graphql-ws, reconnecting forever, with nothing lost or doubled on the
 * UI: every MESSAGE carries the session's `seq`; after a reconnect (or a hole in the numbers) the
 * messages missed meanwhile are read back and delivered in order before any newer live event, and
 * a message already delivered is never delivered again. */

import { createClient, type Client as SocketClient } from "graphql-ws";

import { ThreadlineError } from "./errors.js";
import { SessionEvents } from "./operations.js";
import type { TokenSource } from "./transport.js";
import type { Message, SessionEvent } from "./types.js";

export type LiveStatus = "connecting" | "connected" | "reconnecting" | "closed";

export interface LiveOptions {
  url: string; // ws:// or wss:// …/graphql
  tokens: TokenSource;
  webSocketImpl?: unknown; // Node: the `ws` package's WebSocket
  /** The session's messages numbered after `afterSeq`, oldest first. */
  missedSince: (sessionId: string, afterSeq: number) => Promise<Message[]>;
  onEvent: (event: SessionEvent) => void;
  onError?: (error: ThreadlineError) => void;
  onStatus?: (status: LiveStatus) => void;
  /** The followed session was closed: the person's next message starts another one. */
  onSessionClosed?: (sessionId: string) => void;
}

const ENDED = new Set(["CLOSED", "ARCHIVED"]);

const CLOSED_BY_AUTH = new Set([4401, 4403]);
const CATCH_UP_AGAIN_MS = 1000; // events committed while the subscription was being set up

export function asEvent(sessionId: string, message: Message): SessionEvent {
  return {
    kind: "MESSAGE",
    at: message.at,
    sessionId,
    channel: message.channel,
    role: message.role,
    messageId: message.id,
    seq: message.seq,
    text: message.text,
    attributes: {},
    agentId: message.agentId,
    status: null,
  };
}

export class LiveFeed {
  private readonly socket: SocketClient;
  private sessionId: string;
  private lastSeq: number;
  private held: SessionEvent[] | null = null; // live events arriving while catching up
  private unsubscribe: (() => void) | undefined;
  private connections = 0;
  private refreshToken = false;
  private closed = false;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: LiveOptions,
    sessionId: string,
    afterSeq: number,
  ) {
    this.sessionId = sessionId;
    this.lastSeq = afterSeq;
    this.socket = createClient({
      url: options.url,
      webSocketImpl: options.webSocketImpl,
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        const wait = Math.min(250 * 2 ** retries, 10_000);
        await new Promise((resolve) => setTimeout(resolve, wait * (0.75 + Math.random() / 2)));
      },
      connectionParams: async () => {
        const token = await options.tokens.token(this.refreshToken);
        this.refreshToken = false;
        return token === undefined ? {} : { Authorization: `Bearer ${token}` };
      },
      on: {
        connecting: () => options.onStatus?.(this.connections ? "reconnecting" : "connecting"),
        connected: () => {
          this.connections += 1;
          options.onStatus?.("connected");
          this.catchUp(true); // what was committed while (re)connecting, read back
        },
        closed: (event) => {
          const code = (event as { code?: number } | undefined)?.code;
          if (code !== undefined && CLOSED_BY_AUTH.has(code)) this.refreshToken = true;
          if (!this.closed) options.onStatus?.("reconnecting");
        },
      },
      onNonLazyError: () => undefined, // retried forever; failures reach onStatus
    });
    this.follow();
  }

  /** Follow another session (the conversation moved on: a new session, a resumed one). */
  switchTo(sessionId: string, afterSeq: number): void {
    if (sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.lastSeq = afterSeq;
    this.follow();
    this.catchUp(true); // what the new session already holds
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    void this.socket.dispose();
    this.options.onStatus?.("closed");
  }

  private follow(): void {
    this.unsubscribe?.();
    const sessionId = this.sessionId;
    this.unsubscribe = this.socket.subscribe<{ sessionEvents: SessionEvent }>(
      { query: SessionEvents, variables: { sessionId } },
      {
        next: (result) => {
          const event = result.data?.sessionEvents;
          if (event && sessionId === this.sessionId) this.receive(event);
        },
        error: (error) => this.failed(sessionId, error),
        complete: () => undefined,
      },
    );
  }

  private failed(sessionId: string, error: unknown): void {
    const first = Array.isArray(error)
      ? (error[0] as { message?: string; extensions?: Record<string, unknown> })
      : undefined;
    const code = typeof first?.extensions?.code === "string" ? first.extensions.code : "OFFLINE";
    if (code === "LAGGED" && !this.closed && sessionId === this.sessionId) {
      this.follow(); // fell behind: subscribe again and read back what was missed
      this.catchUp(false);
      return;
    }
    this.options.onError?.(
      new ThreadlineError(code, first?.message ?? String(error), first?.extensions ?? {}),
    );
  }

  private receive(event: SessionEvent): void {
    if (this.held !== null) {
      this.held.push(event);
      return;
    }
    if (event.kind === "STATUS" && event.status !== null && ENDED.has(event.status)) {
      this.options.onSessionClosed?.(this.sessionId);
    }
    if (event.kind === "MESSAGE" && event.seq !== null) {
      if (event.seq <= this.lastSeq) return; // delivered already (read back after a reconnect)
      if (event.seq > this.lastSeq + 1) {
        // a hole: messages in between were missed; read them back, then deliver this one
        this.held = [event];
        this.catchUp(false);
        return;
      }
      this.lastSeq = event.seq;
    }
    this.options.onEvent(event);
  }

  /** Reads back the messages after the last one delivered, delivers them in order, then what
   * arrived live meanwhile. On every connection, and once more a moment later: a message
   * committed while the subscription was being set up reaches neither the live stream nor the
   * first read. */
  private catchUp(again: boolean): void {
    this.held ??= [];
    this.catchingUp = this.catchingUp.then(async () => {
      const sessionId = this.sessionId;
      try {
        const missed = await this.options.missedSince(sessionId, this.lastSeq);
        if (sessionId === this.sessionId) {
          for (const message of missed) {
            if (message.seq > this.lastSeq) {
              this.lastSeq = message.seq;
              this.options.onEvent(asEvent(sessionId, message));
            }
          }
        }
      } catch (error) {
        this.options.onError?.(
          error instanceof ThreadlineError ? error : new ThreadlineError("OFFLINE", String(error)),
        );
      }
      const held = this.held ?? [];
      this.held = null;
      held.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      for (const event of held) this.receive(event);
    });
    if (again) {
      setTimeout(() => {
        if (!this.closed) this.catchUp(false);
      }, CATCH_UP_AGAIN_MS);
    }
  }
}
