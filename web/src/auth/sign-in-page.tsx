/** Sign in with a username and password, or with an API token (e.g. the admin token of the first start). */
import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useApi } from '../hooks/use-api.ts';
import { LANGUAGES, setLanguage, type Language } from '../i18n/index.ts';
import { useSession } from './session.tsx';

function reason(err: unknown, t: ReturnType<typeof useTranslation>['t']): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return t('auth.wrong');
    if (err.status === 429) return t('auth.tooMany');
    if (err.status === 0) return t('auth.unreachable');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function SignInPage() {
  const { t, i18n } = useTranslation();
  const { signInWithPassword, signInWithToken, notice } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [passwordError, setPasswordError] = useState<string | null>(null);
  const [tokenError, setTokenError] = useState<string | null>(null);
  // Which ways this server offers; an older server without the route offers password and token.
  const methods = useApi<{ password: boolean; oidc: boolean }>('/api/v1/console/sign-in');
  const back = encodeURIComponent(window.location.pathname + window.location.search);

  const withPassword = async (e: SubmitEvent) => {
    e.preventDefault();
    setPasswordError(null);
    if (!username.trim() || !password) return setPasswordError(t('auth.fillBoth'));
    setBusy(true);
    try {
      await signInWithPassword(username.trim(), password);
    } catch (err: unknown) {
      setPasswordError(err instanceof ApiError && err.status === 404 ? t('auth.noAccounts') : reason(err, t));
    } finally {
      setBusy(false);
    }
  };

  const withToken = async (e: SubmitEvent) => {
    e.preventDefault();
    setTokenError(null);
    if (!token.trim()) return setTokenError(t('auth.fillToken'));
    setBusy(true);
    try {
      await signInWithToken(token.trim());
    } catch (err: unknown) {
      setTokenError(err instanceof ApiError && err.status === 401 ? t('auth.badToken') : reason(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <div className="sign-in-top">
          <h1>{t('app.name')}</h1>
          <label className="language">
            <span className="visually-hidden">{t('nav.language')}</span>
            <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted">{t('app.tagline')}</p>
        {notice === 'session-ended' && (
          <p className="notice" role="status">
            {t('auth.sessionEnded')}
          </p>
        )}
        {methods.data?.oidc && (
          <p className="sso">
            <a className="button" href={`/api/v1/auth/oidc/login?return_to=${back}`}>
              {t('auth.oidc')}
            </a>
          </p>
        )}
        <form onSubmit={(e) => void withPassword(e)} aria-labelledby="sign-in-password" noValidate>
          <h2 id="sign-in-password">{t('auth.title')}</h2>
          <div className="field">
            <label htmlFor="username">{t('auth.username')}</label>
            <input
              id="username"
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="password">{t('auth.password')}</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {passwordError && (
            <p className="field-error" role="alert">
              {passwordError}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {t('auth.signIn')}
          </button>
        </form>
        <form
          onSubmit={(e) => void withToken(e)}
          aria-labelledby="sign-in-token"
          className="token-form"
          noValidate
        >
          <h2 id="sign-in-token">{t('auth.tokenTitle')}</h2>
          <p className="hint" id="token-hint">
            {t('auth.tokenHint')}
          </p>
          <div className="field">
            <label htmlFor="token">{t('auth.token')}</label>
            <input
              id="token"
              name="token"
              type="password"
              autoComplete="off"
              aria-describedby="token-hint"
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </div>
          {tokenError && (
            <p className="field-error" role="alert">
              {tokenError}
            </p>
          )}
          <button type="submit" className="secondary" disabled={busy}>
            {t('auth.signInToken')}
          </button>
        </form>
      </div>
    </main>
  );
}
