/** The console's frame: sign-in, the header with navigation and language, and the page. */
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SessionProvider, useSession } from './auth/session.tsx';
import { SignInPage } from './auth/sign-in-page.tsx';
import { Loading } from './components/common.tsx';
import { useApi } from './hooks/use-api.ts';
import { LANGUAGES, setLanguage, type Language } from './i18n/index.ts';
import { Link, match, navigate, useLocation } from './router.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { RunbooksPage } from './pages/runbooks.tsx';
import { RunbookPage } from './pages/runbook.tsx';
import { RunsPage } from './pages/runs.tsx';
import { RunPage } from './run/run-page.tsx';
import { InboxPage } from './pages/inbox.tsx';
import { EstatePage, ResourcePage } from './pages/estate.tsx';
import { IncidentPage, IncidentsPage } from './pages/incidents.tsx';
import { SlosPage } from './pages/slos.tsx';
import { SearchPage } from './pages/search.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import type { Task } from './api/types.ts';

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { status } = useSession();
  const { t } = useTranslation();
  useEffect(() => {
    document.title = t('app.name');
  }, [t]);
  if (status === 'loading')
    return (
      <main className="centered">
        <Loading />
      </main>
    );
  if (status === 'signed-out') return <SignInPage />;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}

function Page(): ReactNode {
  const { path } = useLocation();
  const { features } = useSession();
  let m: Record<string, string> | null;
  if (path === '/') return <DashboardPage />;
  if (path === '/runbooks') return <RunbooksPage />;
  if ((m = match('/runbooks/:name', path))) return <RunbookPage key={m.name} name={m.name!} />;
  if (path === '/runs') return <RunsPage />;
  if ((m = match('/runs/:id', path))) return <RunPage key={m.id} id={m.id!} />;
  if (path === '/inbox') return <InboxPage />;
  if (features.estate && path === '/estate') return <EstatePage />;
  if (features.estate && (m = match('/estate/:kind/:name', path)))
    return <ResourcePage key={path} kind={m.kind!} name={m.name!} />;
  if (features.incidents && path === '/incidents') return <IncidentsPage />;
  if (features.incidents && (m = match('/incidents/:id', path)))
    return <IncidentPage key={m.id} id={m.id!} />;
  if (features.slos && path === '/slos') return <SlosPage />;
  if (features.kb && path === '/search') return <SearchPage />;
  return <NotFoundPage />;
}

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { path } = useLocation();
  const current = to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`);
  return (
    <Link to={to} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function Header() {
  const { t, i18n } = useTranslation();
  const { session, features, signOut } = useSession();
  const inbox = useApi<{ tasks: Task[] }>('/api/v1/inbox', 30_000);
  const waiting = inbox.data?.tasks.length ?? 0;
  return (
    <header className="app-header">
      <Link to="/" className="brand">
        {t('app.name')}
      </Link>
      <nav aria-label={t('nav.label')}>
        <NavLink to="/">{t('nav.dashboard')}</NavLink>
        <NavLink to="/runbooks">{t('nav.runbooks')}</NavLink>
        <NavLink to="/runs">{t('nav.runs')}</NavLink>
        <NavLink to="/inbox">
          {t('nav.inbox')}
          {waiting > 0 && (
            <span className="count" aria-label={t('nav.inboxCount', { count: waiting })}>
              {waiting}
            </span>
          )}
        </NavLink>
        {features.estate && <NavLink to="/estate">{t('nav.estate')}</NavLink>}
        {features.incidents && <NavLink to="/incidents">{t('nav.incidents')}</NavLink>}
        {features.slos && <NavLink to="/slos">{t('nav.slos')}</NavLink>}
        {features.kb && <NavLink to="/search">{t('nav.search')}</NavLink>}
      </nav>
      <div className="header-tools">
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
        <span className="who" title={session?.method === 'token' ? t('auth.viaToken') : undefined}>
          {session?.displayName ?? session?.username ?? t('auth.tokenUser')}
        </span>
        <button
          type="button"
          className="secondary"
          onClick={() => void signOut().then(() => navigate('/', { replace: true }))}
        >
          {t('auth.signOut')}
        </button>
      </div>
    </header>
  );
}
