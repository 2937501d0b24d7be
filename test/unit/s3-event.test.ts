import { describe, expect, it } from 'vitest';
import { decodeObjectKey, parseS3Event } from '../../handler/events/s3-event.js';
import { isScriptKey, resultKeyFor, resultsPrefixFor } from '../../handler/events/script-keys.js';

function record(key: string, eventName = 's3:ObjectCreated:Put', extra = {}) {
  return {
    eventName,
    s3: {
      bucket: { name: 'inbox' },
      object: { key, size: 10, eTag: 'abc123', sequencer: '17F', ...extra },
    },
  };
}

describe('parseS3Event', () => {
  it('decodes keys with + and percent escapes', () => {
    const records = parseS3Event({ Records: [record('jobs/sub+dir/b+%C3%A9.R')] });

    expect(records).toEqual([
      { kind: 'created', object: { bucket: 'inbox', key: 'jobs/sub dir/b é.R', eTag: 'abc123' } },
    ]);
  });

  it('keeps the versionId and strips quotes from the eTag', () => {
    const records = parseS3Event({
      Records: [record('jobs/a.R', 'ObjectCreated:Put', { eTag: '"e1"', versionId: 'v1' })],
    });

    expect(records[0]).toEqual({
      kind: 'created',
      object: { bucket: 'inbox', key: 'jobs/a.R', eTag: 'e1', versionId: 'v1' },
    });
  });

  it('marks events other than object-created', () => {
    const records = parseS3Event({ Records: [record('jobs/a.R', 's3:ObjectRemoved:Delete')] });

    expect(records[0]).toMatchObject({ kind: 'other', eventName: 's3:ObjectRemoved:Delete' });
  });

  it('marks a malformed record without failing the others', () => {
    const records = parseS3Event({ Records: [{ eventName: 1 }, record('jobs/a.R')] });

    expect(records[0]).toMatchObject({ kind: 'invalid' });
    expect(records[1]).toMatchObject({ kind: 'created' });
  });

  it.each([[{}], [null], [{ Records: 'x' }], ['text']])('rejects %j with 400', (body) => {
    expect(() => parseS3Event(body)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_event' }),
    );
  });

  it('returns undefined for a broken percent escape', () => {
    expect(decodeObjectKey('jobs/%E0%A4%A.R')).toBeUndefined();
  });
});

describe('script keys', () => {
  it.each([
    ['jobs/a.R', true],
    ['jobs/sub dir/b é.R', true],
    ['jobs/a.r', false],
    ['jobs/a.R.txt', false],
    ['other/a.R', false],
    ['jobs/.R', false],
    ['results/a.R', false],
  ])('isScriptKey(%j) is %s', (key, expected) => {
    expect(isScriptKey(key, 'jobs/')).toBe(expected);
  });

  it('derives the results prefix from the script key', () => {
    expect(resultsPrefixFor('jobs/sub dir/b é.R', 'jobs/', 'results/')).toBe(
      'results/sub dir/b é/',
    );
    expect(resultsPrefixFor('jobs/a.R', 'jobs/', 'out/')).toBe('out/a/');
  });

  it('names result.json under the results prefix', () => {
    expect(resultKeyFor('jobs/x/y.R', 'jobs/', 'results/')).toBe('results/x/y/result.json');
  });
});
