/**
 * The transport's limit: a bare Socket.IO server (same versions as
 * signaling, websocket only) that answers the join flow's exchanges at once
 * and does nothing else: the token request is a plain HTTP 201, the `/room`
 * handshake accepts anyone, and `join`, `createTransport` and `leave` are
 * acknowledged with `ok`. The same bots run against it as against
 * signaling; what signaling takes beyond this is its own work (tokens,
 * validation, room state, the SFU). Run as a child process, pinned like the
 * system under test:
 *
 *   node echoServer.ts <port>     (prints "listening" once ready)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: echoServer.ts <port>\n');
  process.exit(2);
}

const http = createServer((req, res) => {
  // Read the body (a browser's POST has one), then answer like the API's happy path.
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '/';
    if (req.method === 'POST' && url === '/api/meetings') {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ meetingId: randomBytes(16).toString('base64url') }));
    } else if (req.method === 'POST' && url.endsWith('/join-tokens')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: 'echo', expiresAt: Math.floor(Date.now() / 1000) + 300 }));
    } else {
      res.writeHead(404).end();
    }
  });
});

const io = new Server(http, { serveClient: false, transports: ['websocket'] });
io.of('/room').on('connection', (socket) => {
  for (const name of ['join', 'createTransport', 'leave']) {
    socket.on(name, (_payload: unknown, ack: unknown) => {
      if (typeof ack === 'function') {
        (ack as (answer: unknown) => void)({ ok: true, data: name === 'join' ? { status: 'joined' } : {} });
      }
    });
  }
});

http.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
const stop = (): void => {
  void io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
