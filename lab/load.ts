/**
 * Load on the lab's web tier: a bounded HTTP client inside a site's namespace, sending requests
 * at a fixed rate (one connection each, as HAProxy's request counters see it) and logging each
 * answer with the instance that gave it. Scaling tests and the DR benchmark use it.
 */
import { readFileSync } from 'node:fs';
import { daemon } from './sh.ts';
import { killPid } from './processes.ts';
import { siteNamed } from './topology.ts';

/** One request: when it was sent and answered (ms), and which instance answered (null: failed). */
export interface Answer {
  sentAt: number;
  answeredAt: number;
  from: string | null;
}

export interface LoadClient {
  log: string;
  pid: number;
  answers(): Answer[];
  stop(): Promise<void>;
}

// Plain JavaScript run by `node -e` in the namespace: argv = [node, url, perSecond, maxSeconds].
const CLIENT = `
const http = require('node:http');
const [url, perSecond, maxSeconds] = process.argv.slice(1);
const end = Date.now() + Number(maxSeconds) * 1000;
const agent = new http.Agent({ keepAlive: false });
const out = (sent, text) => process.stdout.write(sent + ' ' + Date.now() + ' ' + text.replace(/\\s+/g, ' ').trim() + '\\n');
setInterval(() => {
  if (Date.now() > end) process.exit(0);
  const sent = Date.now();
  const req = http.get(url, { agent, timeout: 1000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => out(sent, res.statusCode === 200 ? body : 'fail ' + res.statusCode));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => out(sent, 'fail ' + e.message));
}, 1000 / Number(perSecond));
`;

/** Start the client in `site`; it stops by itself after `maxSeconds` (bounded even if nobody stops it). */
export function startLoad(o: {
  site: string;
  url: string;
  perSecond: number;
  maxSeconds: number;
  log: string;
}): LoadClient {
  const pid = daemon(
    process.execPath,
    ['-e', CLIENT, o.url, String(o.perSecond), String(o.maxSeconds)],
    o.log,
    { ns: siteNamed(o.site).ns },
  );
  return {
    log: o.log,
    pid,
    answers: () => readAnswers(o.log),
    stop: () => killPid(pid, 2_000),
  };
}

/** The answers logged so far: `sent answered hello from NAME in SITE` or `sent answered fail …`. */
export function readAnswers(log: string): Answer[] {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => /^(\d+) (\d+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      sentAt: Number(m[1]),
      answeredAt: Number(m[2]),
      from: /^hello from (\S+)/.exec(m[3]!)?.[1] ?? null,
    }));
}
