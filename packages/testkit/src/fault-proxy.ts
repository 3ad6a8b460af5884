import net from 'node:net';

/**
 * A TCP proxy in front of a real emulator that resets the connection of a
 * chosen request once, as a network fault between a service and its storage
 * would: the emulator itself stays untouched (it is shared). Requests are
 * recognised by their HTTP request line.
 */
export async function startFaultProxy(target: string): Promise<{ url: string; resetOnce(requestLine: RegExp): void; readonly resets: number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const rules: { pattern: RegExp; done: boolean }[] = [];
  let resets = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      const line = chunk.subarray(0, Math.min(chunk.length, 2048)).toString('latin1').split('\r\n', 1)[0]!;
      const rule = rules.find((r) => !r.done && r.pattern.test(line));
      if (rule) {
        rule.done = true;
        resets += 1;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    resetOnce: (pattern) => void rules.push({ pattern, done: false }),
    get resets() {
      return resets;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
