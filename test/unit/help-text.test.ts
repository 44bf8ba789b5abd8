// test/unit/help-text.test.ts — --help as a reader sees it: each option says its default once, in the `default` column.
import { describe, it, expect } from 'vitest';
import { helpText, OPTIONS } from '../../src/config.js';
import { WELL_KNOWN_KEY } from '../../src/contract/index.js';

describe('--help', () => {
  it('says each default once: the help line under an option does not repeat it', () => {
    const lines = helpText(WELL_KNOWN_KEY).split('\n');
    for (const o of OPTIONS) {
      const i = lines.findIndex((l) => l.startsWith(`  --${o.flag} `));
      expect(lines[i], o.flag).toMatch(/ default \S/);
      expect(lines[i + 1], o.flag).not.toMatch(/\bdefault\b/);
      if (o.shown) expect(lines[i + 1], o.flag).not.toContain(o.shown.replace(/ \(.*\)$/, ''));
    }
  });
});
