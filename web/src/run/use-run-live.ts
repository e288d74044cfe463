/**
 * A run kept live: its state read once, then again whenever its event stream says something
 * happened (coalesced, so a burst of events costs one read). The stream resumes after the last
 * event it saw when it drops, and ends when the run does.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ApiError } from '../api/client.ts';
import { followStream } from '../api/stream.ts';
import type { Run, RunbookDefinition, RunbookDetail, RunEvent } from '../api/types.ts';
import { asApiError } from '../hooks/use-api.ts';

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'ended';

/** Events of a burst (a foreach of 50 items) within this window cost one read of the run. */
const COALESCE_MS = 150;

export interface RunLive {
  run: Run | undefined;
  /** The runbook version's definition; undefined while it loads, null when it cannot be read. */
  definition: RunbookDefinition | null | undefined;
  events: RunEvent[];
  error: ApiError | undefined;
  live: LiveState;
  reload: () => void;
}

export function useRunLive(id: string): RunLive {
  const [run, setRun] = useState<Run>();
  const [definition, setDefinition] = useState<RunbookDefinition | null>();
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [error, setError] = useState<ApiError>();
  const [live, setLive] = useState<LiveState>('connecting');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const read = useCallback(async () => {
    // One read at a time; a request during a read reads once more after it.
    if (reading.current) {
      again.current = true;
      return;
    }
    const p = (async () => {
      do {
        again.current = false;
        try {
          setRun(await api.get<Run>(`/api/v1/runs/${encodeURIComponent(id)}`));
          setError(undefined);
        } catch (err: unknown) {
          setError(asApiError(err));
        }
      } while (again.current);
    })();
    reading.current = p;
    await p;
    reading.current = null;
  }, [id]);

  const soon = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void read(), COALESCE_MS);
  }, [read]);

  useEffect(() => {
    void read();
    const stop = new AbortController();
    setEvents([]);
    setLive('connecting');
    void followStream({
      url: `/api/v1/runs/${encodeURIComponent(id)}/events`,
      signal: stop.signal,
      onStatus: setLive,
      onMessage: (m) => {
        if (m.event !== 'run-event') return;
        const e = JSON.parse(m.data) as RunEvent;
        setEvents((prev) => (prev.length > 0 && prev[prev.length - 1]!.id >= e.id ? prev : [...prev, e]));
        soon();
      },
      onEnd: () => {
        setLive('ended');
        soon();
      },
    });
    return () => {
      stop.abort();
      clearTimeout(timer.current);
    };
  }, [id, read, soon]);

  // The definition of the run's version, for the graph (it never changes for a run).
  const runbook = run?.runbook;
  const version = run?.version;
  useEffect(() => {
    if (runbook === undefined || version === undefined) return;
    api
      .get<RunbookDetail>(`/api/v1/runbooks/${encodeURIComponent(runbook)}/versions/${version}`)
      .then((rb) => setDefinition(rb.definition))
      .catch(() => setDefinition(null));
  }, [runbook, version]);

  return { run, definition, events, error, live, reload: soon };
}
