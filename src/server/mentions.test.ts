import { describe, expect, it } from 'vitest';
import { mentionsIn } from './mentions.ts';

describe('mentions in comments', () => {
  it('finds @names at the start of words, once each, without trailing punctuation', () => {
    expect(mentionsIn('@Ann, thanks. cc @bob.smith and @ann again; @carol.')).toEqual([
      'ann',
      'bob.smith',
      'carol',
    ]);
  });

  it('an e-mail address or a lone @ mentions nobody', () => {
    expect(mentionsIn('write to mail@example.com or @ or @@x')).toEqual([]);
  });

  it('keeps usernames that contain @, as OIDC gives them', () => {
    expect(mentionsIn('ask @jo@corp.example')).toEqual(['jo@corp.example']);
  });
});
