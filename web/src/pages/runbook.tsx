/** One runbook: its docs, a form to start it, its YAML, its versions and its recent runs. */
import { useMemo, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api/client.ts';
import type { RunbookDetail, RunSummary } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Empty, ErrorBox, Labels, Loading, Time } from '../components/common.tsx';
import { FieldsEditor } from '../components/fields-form.tsx';
import { RunsTable } from '../components/runs-table.tsx';
import {
  fieldsFromInputs,
  serverFieldErrors,
  validateFields,
  type FieldError,
  type RawValue,
} from '../forms/fields.ts';
import { useApi, useNow } from '../hooks/use-api.ts';
import { navigate, setParams, useLocation } from '../router.tsx';

export function RunbookPage({ name }: { name: string }) {
  const { t } = useTranslation();
  const { params } = useLocation();
  const { can } = useSession();
  const now = useNow();
  const version = params.get('version');
  const base = `/api/v1/runbooks/${encodeURIComponent(name)}`;
  const latest = useApi<RunbookDetail>(base);
  const chosen = useApi<RunbookDetail>(version ? `${base}/versions/${version}` : null);
  const runs = useApi<{ runs: RunSummary[] }>(`/api/v1/runs?runbook=${encodeURIComponent(name)}&limit=10`);
  const rb = version ? chosen.data : latest.data;
  const error = latest.error ?? (version ? chosen.error : undefined);

  if (error) return <ErrorBox error={error} />;
  if (!rb || !latest.data) return <Loading />;
  const versions = latest.data.versions ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{rb.title ?? rb.name}</h1>
          <p className="mono muted">
            {rb.name} · v{rb.version} · {t('runbooks.by', { who: rb.created_by })} ·{' '}
            <Time iso={rb.created_at} />
          </p>
          <Labels labels={rb.labels} />
        </div>
        <div className="field inline">
          <label htmlFor="rb-version">{t('runbooks.version')}</label>
          <select
            id="rb-version"
            value={String(rb.version)}
            onChange={(e) =>
              setParams({
                version: e.target.value === String(latest.data?.version) ? undefined : e.target.value,
              })
            }
          >
            {versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                v{v.version}
                {v.version === latest.data?.version ? ` (${t('runbooks.latest')})` : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="two-columns">
        <div>
          <section aria-labelledby="rb-docs" className="panel">
            <h2 id="rb-docs">{t('runbooks.description')}</h2>
            {rb.description ? (
              <p className="prose">{rb.description}</p>
            ) : (
              <Empty>{t('runbooks.noDescription')}</Empty>
            )}
          </section>
          <section aria-labelledby="rb-yaml" className="panel">
            <h2 id="rb-yaml">{t('runbooks.yaml')}</h2>
            <pre className="code" tabIndex={0} aria-labelledby="rb-yaml">
              {rb.source}
            </pre>
          </section>
        </div>
        <div>
          {can('runs:start') && <StartForm key={`${rb.name}@${rb.version}`} runbook={rb} />}
          <section aria-labelledby="rb-versions" className="panel">
            <h2 id="rb-versions">{t('runbooks.versions')}</h2>
            <table className="table">
              <caption className="visually-hidden">{t('runbooks.versions')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('runbooks.version')}</th>
                  <th scope="col">{t('runbooks.applied')}</th>
                  <th scope="col">{t('runbooks.appliedBy')}</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <td>v{v.version}</td>
                    <td>
                      <Time iso={v.created_at} />
                    </td>
                    <td>{v.created_by}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      </div>
      <section aria-labelledby="rb-runs" className="panel">
        <h2 id="rb-runs">{t('runbooks.recentRuns')}</h2>
        {runs.data && runs.data.runs.length > 0 ? (
          <RunsTable runs={runs.data.runs} caption={t('runbooks.recentRuns')} now={now} />
        ) : (
          <Empty>{t('runbooks.noRuns')}</Empty>
        )}
      </section>
    </>
  );
}

function StartForm({ runbook }: { runbook: RunbookDetail }) {
  const { t } = useTranslation();
  const fields = useMemo(() => fieldsFromInputs(runbook.inputs), [runbook.inputs]);
  const [raws, setRaws] = useState<Record<string, RawValue>>({});
  const [errors, setErrors] = useState<Record<string, FieldError>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const checked = validateFields(fields, raws);
    setErrors(checked.errors);
    setServerErrors({});
    setFailure(null);
    const firstBad = fields.find((f) => checked.errors[f.name]);
    if (firstBad) {
      form.querySelector<HTMLElement>(`[name="${CSS.escape(firstBad.name)}"]`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const run = await api.post<{ id: string }>('/api/v1/runs', {
        runbook: runbook.name,
        version: runbook.version,
        inputs: checked.values,
      });
      navigate(`/runs/${run.id}`);
    } catch (err: unknown) {
      const apiErr = err instanceof ApiError ? err : new ApiError(0, 'error', String(err));
      setServerErrors(serverFieldErrors(apiErr.details));
      setFailure(apiErr);
      setBusy(false);
    }
  };

  const count = Object.keys(errors).length;
  return (
    <section aria-labelledby="rb-start" className="panel">
      <h2 id="rb-start">{t('start.title')}</h2>
      <form
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-describedby={count > 0 ? 'start-summary' : undefined}
      >
        {fields.length === 0 && <p className="muted">{t('start.noInputs')}</p>}
        <FieldsEditor
          idPrefix="input"
          fields={fields}
          raws={raws}
          errors={errors}
          serverErrors={serverErrors}
          onChange={(name, raw) => {
            setRaws((r) => ({ ...r, [name]: raw }));
            setErrors(({ [name]: _dropped, ...rest }) => rest);
          }}
        />
        {count > 0 && (
          <p id="start-summary" className="field-error" role="alert">
            {t('start.fix', { count })}
          </p>
        )}
        {failure && <ErrorBox error={failure} />}
        <button type="submit" disabled={busy}>
          {busy ? t('start.starting') : t('start.submit')}
        </button>
      </form>
    </section>
  );
}
