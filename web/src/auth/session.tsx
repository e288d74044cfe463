/**
 * Who is signed in. A person signs in with a password (a session cookie; every change carries the
 * CSRF token from the login answer or `/auth/me`), or pastes an API token, which stays in this
 * tab's sessionStorage and goes as Bearer. Servers without accounts yet only take the token.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { api, ApiError, onSignedOut, setCredentials, type Credentials } from '../api/client.ts';
import type { Me } from '../api/types.ts';

const TOKEN_KEY = 'tandem.token';

export interface Session {
  /** Null when the server does not say (a token on a server without `/auth/me`). */
  username: string | null;
  displayName: string | null;
  method: 'password' | 'token';
  /** The caller's permissions, when the server tells them; null: unknown, show everything. */
  permissions: string[] | null;
}

/** Optional parts of the API, found by asking: their pages appear once the server has them. */
export interface Features {
  estate: boolean;
  incidents: boolean;
  slos: boolean;
  kb: boolean;
}

interface SessionState {
  status: 'loading' | 'signed-out' | 'signed-in';
  session: Session | null;
  features: Features;
  /** Why the last session ended, e.g. it expired. */
  notice: string | null;
  signInWithPassword: (username: string, password: string) => Promise<void>;
  signInWithToken: (token: string) => Promise<void>;
  signOut: () => Promise<void>;
  can: (permission: string) => boolean;
}

const Ctx = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
function writeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused: the token lasts for this page only.
  }
}

/** `/auth/me`, or null when this server has no accounts API (404). */
async function fetchMe(): Promise<Me | null> {
  try {
    return await api.get<Me>('/api/v1/auth/me');
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

function sessionOf(me: Me | null, method: Session['method']): Session {
  return {
    username: me?.user.username ?? null,
    displayName: me?.user.display_name ?? null,
    method,
    permissions: me?.permissions ?? null,
  };
}

/** An API route exists for this caller unless it answers 404 (absent) or 403 (not allowed). */
async function probe(path: string): Promise<boolean> {
  try {
    await api.get(path);
    return true;
  } catch (err: unknown) {
    return !(err instanceof ApiError && (err.status === 404 || err.status === 403 || err.status === 0));
  }
}

async function detectFeatures(): Promise<Features> {
  const [estate, incidents, slos, kb] = await Promise.all([
    probe('/api/v1/estate/resources'),
    probe('/api/v1/incidents'),
    probe('/api/v1/slos?evaluate=false'),
    // Without a query the search answers 400: the route is there.
    probe('/api/v1/kb/search'),
  ]);
  return { estate, incidents, slos, kb };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [session, setSession] = useState<Session | null>(null);
  const [features, setFeatures] = useState<Features>({
    estate: false,
    incidents: false,
    slos: false,
    kb: false,
  });
  const [notice, setNotice] = useState<string | null>(null);
  // A 401 ends the session only once signed in; while signing in it is the sign-in's own error.
  const live = useRef(false);

  const signedIn = useCallback(async (credentials: Credentials, s: Session) => {
    setCredentials(credentials);
    live.current = true;
    setSession(s);
    setNotice(null);
    setStatus('signed-in');
    setFeatures(await detectFeatures());
  }, []);

  const clear = useCallback((why: string | null) => {
    live.current = false;
    setCredentials(null);
    writeToken(null);
    setSession(null);
    setNotice(why);
    setStatus('signed-out');
  }, []);

  useEffect(() => {
    onSignedOut(() => {
      if (live.current) clear('session-ended');
    });
    return () => onSignedOut(null);
  }, [clear]);

  // At load: the token of this tab, else the session cookie, else the sign-in page.
  useEffect(() => {
    void (async () => {
      const token = readToken();
      try {
        if (token) {
          setCredentials({ kind: 'token', token });
          const me = await fetchMe();
          if (!me) await api.get('/api/v1/runbooks');
          await signedIn({ kind: 'token', token }, sessionOf(me, 'token'));
          return;
        }
        setCredentials(null);
        const me = await fetchMe();
        if (me) await signedIn({ kind: 'session', csrf: me.csrf_token ?? null }, sessionOf(me, 'password'));
        else clear(null);
      } catch {
        clear(null);
      }
    })();
  }, [signedIn, clear]);

  const signInWithPassword = useCallback(
    async (username: string, password: string) => {
      setCredentials(null);
      const answer = await api.post<{ csrf_token?: string; user?: Me['user'] }>('/api/v1/auth/login', {
        username,
        password,
      });
      setCredentials({ kind: 'session', csrf: answer.csrf_token ?? null });
      const me = await fetchMe();
      await signedIn(
        { kind: 'session', csrf: me?.csrf_token ?? answer.csrf_token ?? null },
        sessionOf(me ?? (answer.user ? { user: answer.user } : null), 'password'),
      );
    },
    [signedIn],
  );

  const signInWithToken = useCallback(
    async (token: string) => {
      setCredentials({ kind: 'token', token });
      try {
        const me = await fetchMe();
        // Without `/auth/me`, any read that needs a valid token proves it.
        if (!me) await api.get('/api/v1/runbooks');
        writeToken(token);
        await signedIn({ kind: 'token', token }, sessionOf(me, 'token'));
      } catch (err: unknown) {
        setCredentials(null);
        throw err;
      }
    },
    [signedIn],
  );

  const signOut = useCallback(async () => {
    if (session?.method === 'password') {
      try {
        await api.post('/api/v1/auth/logout');
      } catch {
        // Signed out locally either way; the cookie expires on its own.
      }
    }
    clear(null);
  }, [session, clear]);

  const value = useMemo<SessionState>(
    () => ({
      status,
      session,
      features,
      notice,
      signInWithPassword,
      signInWithToken,
      signOut,
      can: (p) => session?.permissions == null || session.permissions.includes(p),
    }),
    [status, session, features, notice, signInWithPassword, signInWithToken, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
