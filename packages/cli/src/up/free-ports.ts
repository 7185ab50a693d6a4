import { createServer, type Server } from 'node:net';

/**
 * `count` distinct TCP ports free on `host` now: all are held open together while picked, so none
 * is given twice. Another program may still take one before the node binds it; the node then
 * fails to start and the supervisor restarts it.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, host, resolve));
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
