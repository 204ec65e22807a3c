/**
 * Used by `deno task grade`.
 *
 * How the grader reaches a Jupyter server in a sandbox that has no network shared with the host: a
 * TCP port on 127.0.0.1 forwarded, connection by connection, to the server's Unix socket in the
 * sandbox's folder, opened each time without following a link.
 *
 * @module
 */
import { connectUntrusted } from "../machine/untrusted.ts";
import { sandboxUser } from "./sandbox.ts";

/** A TCP port on 127.0.0.1 that forwards every connection to a Unix socket. */
export interface Relay {
  port: number;
  close(): void;
}

async function forward(conn: Deno.Conn, dir: string, name: string): Promise<void> {
  let upstream: Deno.UnixConn | undefined;
  try {
    upstream = await connectUntrusted(dir, name, sandboxUser());
    await Promise.all([
      conn.readable.pipeTo(upstream.writable),
      upstream.readable.pipeTo(conn.writable),
    ]);
  } catch {
    /* either side hung up */
  } finally {
    for (const c of [conn, upstream]) {
      try {
        c?.close();
      } catch { /* already closed */ }
    }
  }
}

/**
 * Forwards a local TCP port to the Unix socket `name` in the sandbox's folder `dir`: how the
 * grader reaches a Jupyter server in a sandbox that has no network shared with the host. The
 * sandbox cannot reach the port, and each connection goes to the sandbox user's own socket, never
 * through a link the sandboxed code put in its place.
 *
 * @example
 * ```ts
 * import { relayToSocket } from "./relay.ts";
 * const relay = relayToSocket("/tmp/server", "jupyter.sock");
 * // fetch(`http://127.0.0.1:${relay.port}/api/status`) ...
 * relay.close();
 * ```
 */
export function relayToSocket(dir: string, name: string): Relay {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    try {
      for await (const conn of listener) forward(conn, dir, name);
    } catch { /* closed */ }
  })();
  return { port: (listener.addr as Deno.NetAddr).port, close: () => listener.close() };
}
