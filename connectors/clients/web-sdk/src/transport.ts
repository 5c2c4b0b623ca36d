/** GraphQL over HTTP with the caller's credential: a fixed token, or `getToken()` for short-lived
 * user tokens, asked again once when the server answers 401. */

import { OfflineError, ThreadlineError } from "./errors.js";

export type GetToken = (options: { refresh: boolean }) => string | Promise<string>;

/** The credential: a fixed token, or a callback (asked again with `refresh: true` after a 401). */
export class TokenSource {
  private current: string | undefined;

  constructor(
    private readonly fixed: string | undefined,
    private readonly getToken: GetToken | undefined,
  ) {}

  async token(refresh = false): Promise<string | undefined> {
    if (this.getToken === undefined) return this.fixed;
    if (refresh || this.current === undefined) {
      this.current = await this.getToken({ refresh });
    }
    return this.current;
  }

  /** Whether asking again could give a better token. */
  get refreshable(): boolean {
    return this.getToken !== undefined;
  }
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export class Transport {
  constructor(
    readonly url: string,
    readonly tokens: TokenSource,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** The operation's `data`; a ThreadlineError with the server's code otherwise, OfflineError
   * when the server cannot be reached. */
  async request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response = await this.post(query, variables, false);
    if (response.status === 401 && this.tokens.refreshable) {
      response = await this.post(query, variables, true); // the token expired: once more
    }
    let body: GraphQLBody<T>;
    try {
      body = (await response.json()) as GraphQLBody<T>;
    } catch {
      const code = response.status >= 500 ? "UNAVAILABLE" : "BAD_RESPONSE";
      throw new ThreadlineError(code, `HTTP ${response.status} from ${this.url}`);
    }
    const first = body.errors?.[0];
    if (first !== undefined) {
      const extensions = first.extensions ?? {};
      const code = typeof extensions.code === "string" ? extensions.code : "INTERNAL";
      throw new ThreadlineError(code, first.message, extensions);
    }
    if (body.data == null) throw new ThreadlineError("INTERNAL", "a response without data");
    return body.data;
  }

  private async post(
    query: string,
    variables: Record<string, unknown>,
    refresh: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = await this.tokens.token(refresh);
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new OfflineError(error); // fetch rejects only when no response came back
    }
  }
}
