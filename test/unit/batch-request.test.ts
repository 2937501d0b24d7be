import { describe, expect, it } from 'vitest';
import { BatchRequestValidator } from '../../handler/events/batch-request.js';

const validator = new BatchRequestValidator(3);

describe('BatchRequestValidator', () => {
  it('returns the jobs with their run fields', () => {
    const jobs = validator.parse({
      jobs: [
        { id: 'a', script: 'cat(1)' },
        { id: 'b', script: 'cat(2)', timeout_seconds: 5 },
      ],
    });

    expect(jobs).toEqual([
      { id: 'a', script: 'cat(1)' },
      { id: 'b', script: 'cat(2)', timeout_seconds: 5 },
    ]);
  });

  it('leaves invalid run fields to the per-job check', () => {
    const jobs = validator.parse({ jobs: [{ id: 'a', script: 3, extra: true }] });

    expect(jobs).toHaveLength(1);
  });

  it.each([
    ['no jobs field', {}, 'invalid_request'],
    ['jobs not a list', { jobs: { id: 'a' } }, 'invalid_request'],
    ['an empty list', { jobs: [] }, 'invalid_request'],
    ['a job without id', { jobs: [{ script: 'cat(1)' }] }, 'invalid_request'],
    ['a numeric id', { jobs: [{ id: 1, script: 'cat(1)' }] }, 'invalid_request'],
    ['an unknown top-level field', { jobs: [{ id: 'a' }], more: 1 }, 'invalid_request'],
    ['repeated ids', { jobs: [{ id: 'a' }, { id: 'b' }, { id: 'a' }] }, 'duplicate_job_id'],
    [
      'too many jobs',
      { jobs: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }] },
      'too_many_jobs',
    ],
  ])('rejects %s with 400', (_name, body, code) => {
    expect(() => validator.parse(body)).toThrow(expect.objectContaining({ status: 400, code }));
  });
});
