/** What set a job going: recorded with every write and finding it leads to. */
export type Trigger =
  /** A change event: `position` is the MongoDB resume token (as JSON) or the Postgres LSN. */
  | { readonly type: 'change-event'; readonly source: string; readonly position: string }
  | { readonly type: 'command'; readonly via: 'cli' | 'api' }
  | { readonly type: 'schedule'; readonly scheduler: string };

export interface Provenance {
  readonly trigger: Trigger;
  readonly jobId: string;
  /** The rule that decided: 'id-claim', 'email-match', 'newest-wins', ... */
  readonly rule: string;
}
