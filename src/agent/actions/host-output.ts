/**
 * What a remote host prints: the last 64 KiB of each stream kept for the result, and whole lines
 * sent to the step's log prefixed `[host] `, so the logs of hosts worked on at once stay readable.
 */
import { StringDecoder } from 'node:string_decoder';

/** stdout/stderr kept per host for `outputs:` expressions: the last 64 KiB, as for shell steps. */
const RESULT_TAIL_BYTES = 64 * 1024;
/** A line longer than this goes to the log in pieces instead of waiting for its end. */
const MAX_PENDING_CHARS = 16 * 1024;

type Stream = 'stdout' | 'stderr';
export type LogSink = (stream: Stream, data: string) => void;

/** The last `limit` bytes of a stream. */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit = RESULT_TAIL_BYTES) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0]!.length > this.limit) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

class PrefixedLines {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(
    private readonly prefix: string,
    private readonly stream: Stream,
    private readonly sink: LogSink,
  ) {}
  write(b: Buffer): void {
    this.pending += this.decoder.write(b);
    const cut = this.pending.lastIndexOf('\n');
    if (cut >= 0) {
      this.emit(this.pending.slice(0, cut + 1));
      this.pending = this.pending.slice(cut + 1);
    }
    if (this.pending.length > MAX_PENDING_CHARS) this.flush();
  }
  flush(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.emit(`${this.pending}\n`);
    this.pending = '';
  }
  /** `text` ends with a newline. */
  private emit(text: string): void {
    const lines = text.split('\n').slice(0, -1);
    this.sink(this.stream, lines.map((line) => `${this.prefix}${line}\n`).join(''));
  }
}

/** One host's output: tails for the result, prefixed lines for the log. */
export class HostOutput {
  private readonly tails = { stdout: new Tail(), stderr: new Tail() };
  private readonly lines: Record<Stream, PrefixedLines>;
  constructor(
    readonly host: string,
    private readonly sink: LogSink,
  ) {
    this.lines = {
      stdout: new PrefixedLines(`[${host}] `, 'stdout', sink),
      stderr: new PrefixedLines(`[${host}] `, 'stderr', sink),
    };
  }
  data(stream: Stream, b: Buffer): void {
    this.tails[stream].push(b);
    this.lines[stream].write(b);
  }
  /** A line of Tandem's own about this host (connected, uploaded…), in the log only. */
  note(text: string): void {
    this.sink('stdout', `[${this.host}] ${text}\n`);
  }
  end(): { stdout: string; stderr: string } {
    this.lines.stdout.flush();
    this.lines.stderr.flush();
    return { stdout: this.tails.stdout.text(), stderr: this.tails.stderr.text() };
  }
}
