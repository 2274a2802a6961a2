import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { RedisState } from '../../../src/state/redis-client.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { redisNodes } from './redis-nodes.js';

const env = redisNodes();

describe('RedisState', () => {
  it('no Redis at the address: connect rejects with MFA_ERR_SHARED_STATE, naming the operation', async () => {
    const port = await freeTcpPort();
    const errors: Error[] = [];
    const p = RedisState.connect({ url: `redis://127.0.0.1:${port}`, onError: (e) => errors.push(e) });
    await expect(p).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE, context: { op: 'connect' } });
  });

  it('counts one round trip per call, by operation, and prefixes keys', async () => {
    const { a } = await env.nodes('rc');
    await a.run('x.one', (r) => r.set(a.key('k'), '1'));
    await a.run('x.one', (r) => r.get(a.key('k')));
    await a.run('x.two', (r) => r.get(a.key('k')));
    expect(a.roundTrips.total).toBe(3);
    expect(Object.fromEntries(a.roundTrips.byOp)).toEqual({ 'x.one': 2, 'x.two': 1 });
    expect(a.key('ch', 'abc')).toBe('rc:ch:abc');
    expect(await a.client.get('rc:k')).toBe('1');
  });

  it('a command that fails inside Redis becomes MFA_ERR_SHARED_STATE too (never a raw ioredis error)', async () => {
    const { a } = await env.nodes('rc2');
    await a.client.set(a.key('s'), 'text');
    await expect(a.run('x.incr', (r) => r.incr(a.key('s')))).rejects.toMatchObject({
      code: ErrorCodes.SHARED_STATE,
      name: 'AppError',
    });
  });
});
