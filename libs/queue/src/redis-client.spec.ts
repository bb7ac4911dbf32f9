import { Cluster, Redis } from 'ioredis';
import { connectRedis, duplicateClient, isCluster, parseClusterNode } from './redis-client';

describe('redis client', () => {
  it('reads host:port cluster nodes, IPv6 in brackets, and names a bad entry', () => {
    expect(parseClusterNode('10.0.0.5:7000')).toEqual({ host: '10.0.0.5', port: 7000 });
    expect(parseClusterNode(' redis-0.redis:6379 ')).toEqual({ host: 'redis-0.redis', port: 6379 });
    expect(parseClusterNode('[fd00::1]:7001')).toEqual({ host: 'fd00::1', port: 7001 });
    expect(() => parseClusterNode('redis-0')).toThrow("Redis cluster node 'redis-0' must be host:port with a port in 1..65535");
    expect(() => parseClusterNode('h:70000')).toThrow(/'h:70000'/);
  });

  it('opens one node without cluster nodes and a cluster with them, carrying the URL credentials to every node', () => {
    const single = connectRedis({ url: 'redis://127.0.0.1:1' }, { lazyConnect: true });
    const cluster = connectRedis({ url: 'rediss://app:s%3Acret@ignored:1', clusterNodes: ['10.0.0.1:7000', ' ', '10.0.0.2:7000'] }, { lazyConnect: true, maxRetriesPerRequest: null });
    try {
      expect(single).toBeInstanceOf(Redis);
      expect(isCluster(single)).toBe(false);
      expect(cluster).toBeInstanceOf(Cluster);
      expect(isCluster(cluster)).toBe(true);
      const options = (cluster as Cluster).options;
      expect(options.redisOptions).toMatchObject({ username: 'app', password: 's:cret', tls: {}, maxRetriesPerRequest: null });
      // a duplicate keeps the cluster and its node options, with the override on top
      const copy = duplicateClient(cluster, { maxRetriesPerRequest: 3 });
      expect(isCluster(copy)).toBe(true);
      expect((copy as Cluster).options.redisOptions).toMatchObject({ password: 's:cret', maxRetriesPerRequest: 3 });
      copy.disconnect();
    } finally {
      single.disconnect();
      cluster.disconnect();
    }
  });
});
