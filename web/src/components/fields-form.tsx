/** The fields of a generated form, with labels, hints and errors tied to each control. */
import { useTranslation } from 'react-i18next';
import type { FieldError, FieldSpec, RawValue } from '../forms/fields.ts';
import { initialRaw } from '../forms/fields.ts';

interface Props {
  idPrefix: string;
  fields: FieldSpec[];
  raws: Record<string, RawValue>;
  onChange: (name: string, raw: RawValue) => void;
  errors: Record<string, FieldError>;
  /** Reasons the server gave, by field. */
  serverErrors?: Record<string, string>;
}

export function FieldsEditor({ idPrefix, fields, raws, onChange, errors, serverErrors = {} }: Props) {
  const { t } = useTranslation();
  return (
    <>
      {fields.map((f) => {
        const id = `${idPrefix}-${f.name}`;
        const raw = raws[f.name] ?? initialRaw(f);
        const err = errors[f.name];
        const message = err ? t(`form.error.${err.key}`, { limit: err.limit ?? '' }) : serverErrors[f.name];
        const describedBy = [f.description ? `${id}-hint` : '', message ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        const common = {
          id,
          name: f.name,
          'aria-invalid': message ? true : undefined,
          'aria-describedby': describedBy || undefined,
          'aria-required': f.required || undefined,
        };
        const text = typeof raw === 'string' ? raw : String(raw);
        let control;
        if (f.type === 'boolean' && f.enum === undefined) {
          control = (
            <input
              {...common}
              type="checkbox"
              checked={raw === true}
              onChange={(e) => onChange(f.name, e.target.checked)}
            />
          );
        } else if (f.enum !== undefined) {
          control = (
            <select {...common} value={text} onChange={(e) => onChange(f.name, e.target.value)}>
              <option value="">{t('form.choose')}</option>
              {f.enum.map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          );
        } else if (f.type === 'object' || f.type === 'array') {
          control = (
            <textarea
              {...common}
              rows={3}
              spellCheck={false}
              className="mono"
              placeholder={f.type === 'array' ? '["a", "b"]' : '{"key": "value"}'}
              value={text}
              onChange={(e) => onChange(f.name, e.target.value)}
            />
          );
        } else {
          control = (
            <input
              {...common}
              type={f.secret ? 'password' : 'text'}
              autoComplete={f.secret ? 'new-password' : 'off'}
              inputMode={f.type === 'integer' ? 'numeric' : f.type === 'number' ? 'decimal' : undefined}
              value={text}
              onChange={(e) => onChange(f.name, e.target.value)}
            />
          );
        }
        return (
          <div key={f.name} className={`field field-${f.type === 'boolean' && !f.enum ? 'check' : 'text'}`}>
            <label htmlFor={id}>
              {f.title ?? f.name}
              {f.required && <span className="required"> ({t('form.required')})</span>}
              {(f.type === 'object' || f.type === 'array') && <span className="muted"> · JSON</span>}
            </label>
            {control}
            {f.description && (
              <p id={`${id}-hint`} className="hint">
                {f.description}
              </p>
            )}
            {message && (
              <p id={`${id}-error`} className="field-error">
                {message}
              </p>
            )}
          </div>
        );
      })}
    </>
  );
}
