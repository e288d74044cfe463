/**
 * A TCP forwarder from the lab bridge to Tandem's server, which listens on loopback only: agents
 * inside the site namespaces reach `http://10.77.0.1:7300` and arrive at `127.0.0.1:7300`.
 * Usage: node --import tsx lab/forwarder.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT
 */
import { createConnection, createServer } from 'node:net';

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
if (!listenHost || !listenPort || !targetHost || !targetPort) {
  console.error('usage: forwarder.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT');
  process.exit(2);
}

const server = createServer((client) => {
  const upstream = createConnection({ host: targetHost, port: Number(targetPort) });
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(Number(listenPort), listenHost, () =>
  console.log(`forwarding ${listenHost}:${listenPort} → ${targetHost}:${targetPort}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
