// A bench process's server life: listens on a loopback port, tells the parent { ready, baseUrl }, and closes (with its
// upstream agent) when the parent disconnects.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from 'undici';

export function serveAsChild(server: Server, agent: Agent): void {
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ ready: true, baseUrl: `http://127.0.0.1:${port}` });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close(() => void agent.close().then(() => process.exit(0)));
  });
}
