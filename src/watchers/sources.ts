import type { Config } from '../config/load-config.ts';
import type { WatchedTable, WatchSpec } from '../platforms/watch-spec.ts';
import type { MongoSource } from './mongo-source.ts';
import type { PostgresSource } from './pg-watcher.ts';
import type { RealtimeSource } from './realtime-watcher.ts';

export type WatchedSource =
  | { readonly transport: 'mongo'; readonly source: MongoSource }
  | { readonly transport: 'postgres'; readonly source: PostgresSource }
  | { readonly transport: 'realtime'; readonly source: RealtimeSource };

export type WatcherConfig = Pick<Config, 'watch'>;

/**
 * The sources to watch, one per spec the open platforms asked for (src/platforms/connector.ts
 * `watch`), each with its stable name: `<platform>.<collection>` for a collection,
 * `<platform>.[<schema>.]<table>` for a table (the default schema `public` is left out), so a
 * table has one name and so one lease whether it is read by replication or by Realtime.
 */
export function describeSources(watch: readonly WatchSpec[], config: WatcherConfig): WatchedSource[] {
  return watch.map((spec): WatchedSource => {
    switch (spec.transport) {
      case 'mongo':
        return { transport: 'mongo', source: { ...spec, name: `${spec.platform}.${spec.collection.collectionName}` } };
      case 'realtime':
        return { transport: 'realtime', source: { ...spec, name: tableSourceName(spec.platform, spec.table) } };
      case 'postgres': {
        // One slot and one publication per platform; the prefix keeps deployments sharing a server apart.
        const name = `${config.watch.slotPrefix}_${spec.platform}`;
        return { transport: 'postgres', source: { ...spec, name: tableSourceName(spec.platform, spec.table), names: { slot: name, publication: name } } };
      }
    }
  });
}

function tableSourceName(platform: string, table: WatchedTable): string {
  return `${platform}.${table.schema === 'public' ? '' : `${table.schema}.`}${table.name}`;
}
