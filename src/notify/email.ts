/** E-mail through an SMTP server (nodemailer), one connection per message. */
import { createTransport } from 'nodemailer';
import type { EmailConfig } from './channel-config.ts';
import type { Message } from './message.ts';
import { DeliveryError } from './delivery-error.ts';

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The message as plain text and as simple HTML. */
export function emailBody(m: Message): { subject: string; text: string; html: string } {
  const text = [
    m.title,
    '',
    ...(m.body ? [m.body, ''] : []),
    ...m.fields.map((f) => `${f.label}: ${f.value}`),
    '',
    `${m.link.label}: ${m.link.url}`,
  ].join('\n');
  const html = [
    `<h2>${escapeHtml(m.title)}</h2>`,
    ...(m.body ? [`<p style="white-space: pre-wrap">${escapeHtml(m.body)}</p>`] : []),
    '<table>',
    ...m.fields.map(
      (f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
    ),
    '</table>',
    `<p><a href="${escapeHtml(m.link.url)}">${escapeHtml(m.link.label)}</a></p>`,
  ].join('\n');
  return { subject: m.title.replaceAll(/[\r\n]+/g, ' '), text, html };
}

/** Send `m` to the channel's recipients; SMTP 5xx answers are permanent, the rest worth a retry. */
export async function sendEmail(c: EmailConfig, m: Message, timeoutMs: number): Promise<void> {
  const transport = createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    ...(c.user !== undefined ? { auth: { user: c.user, pass: c.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const { subject, text, html } = emailBody(m);
    await Promise.race([
      transport.sendMail({ from: c.from, to: c.to, subject, text, html }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new DeliveryError(`the SMTP server did not finish within ${timeoutMs / 1000} s`, true)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err: unknown) {
    if (err instanceof DeliveryError) throw err;
    const code = (err as { responseCode?: unknown }).responseCode;
    const message = err instanceof Error ? err.message : String(err);
    throw new DeliveryError(`SMTP: ${message}`, !(typeof code === 'number' && code >= 500));
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
