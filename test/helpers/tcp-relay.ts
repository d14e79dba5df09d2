/**
 * Fault injection for uploads: a TCP relay in front of the service that counts
 * the bytes clients send and can misbehave like a real link:
 * - `cutAfter`: cut the first connection that goes past that many bytes (a
 *   dropped mobile link in the middle of a PATCH);
 * - `bytesPerSecond`: throttle what clients send;
 * - `holdAfter`: stop reading once that many bytes went through (a link that
 *   hangs), until release().
 * What was relayed reaches the service; then the request body stops short.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class Relay {
  sent = 0;
  cuts = 0;
  bytesPerSecond: number | null = null;
  holdAfter: number | null = null;
  private readonly held = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private server!: Server;

  constructor(
    private readonly targetPort: number,
    private cutAfter?: number,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      upstream.pipe(client);
      client.on('data', (data: Buffer) => {
        this.sent += data.length;
        upstream.write(data);
        if (this.cutAfter !== undefined && this.sent > this.cutAfter) {
          this.cutAfter = undefined;
          this.cuts += 1;
          client.destroy();
        } else if (this.holdAfter !== null && this.sent >= this.holdAfter) {
          client.pause();
          this.held.add(client);
        } else if (this.bytesPerSecond !== null) {
          client.pause();
          setTimeout(() => client.resume(), (data.length / this.bytesPerSecond) * 1000);
        }
      });
      client.on('close', () => upstream.end());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  release(): void {
    this.holdAfter = null;
    for (const client of this.held) client.resume();
    this.held.clear();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
