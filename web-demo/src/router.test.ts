import { describe, expect, it } from 'vitest';
import { communityHref, parseRoute, postHref, rewardsHref } from './router';

describe('parseRoute', () => {
  it('reads the community routes', () => {
    expect(parseRoute('#/community')).toEqual({ name: 'community', topic: null });
    expect(parseRoute('#/community/')).toEqual({ name: 'community', topic: null });
    expect(parseRoute('#/community/t/how-to')).toEqual({ name: 'community', topic: 'how-to' });
    expect(parseRoute('#/community/mine')).toEqual({ name: 'myPosts' });
    expect(parseRoute(postHref('UG9zdDo0Mg=='))).toEqual({ name: 'post', id: 'UG9zdDo0Mg==' });
    expect(parseRoute(communityHref('recipes'))).toEqual({ name: 'community', topic: 'recipes' });
  });
  it('reads the rewards route', () => {
    expect(parseRoute(rewardsHref)).toEqual({ name: 'rewards' });
    expect(parseRoute('#/rewards/')).toEqual({ name: 'rewards' });
    expect(parseRoute('#/rewardsx')).toEqual({ name: 'orders' });
  });
  it('keeps the order routes and falls back to the list', () => {
    expect(parseRoute('#/orders/AC-1001')).toEqual({ name: 'order', number: 'AC-1001' });
    expect(parseRoute('#/communityx')).toEqual({ name: 'orders' });
    expect(parseRoute('#/community/t/%E0%A4%A')).toEqual({ name: 'community', topic: null });
    expect(parseRoute('')).toEqual({ name: 'orders' });
  });
});
