// Switches for what the server does not have yet, with the operations
// waiting in src/graphql/next/: when the server has them, rename that file
// to .graphql (graph/operations_test.go then checks it against the schema)
// and turn the switch on.
export const features = {
  /**
   * moderationQueueChanged for the admin SPA's queue (its Queue
   * subscription in next/CommunityLive.graphql.next is the contract's
   * shape, not the server's: the admin SPA moves to the real one). Off:
   * the queue has a "Refresh" button. The community page no longer reads
   * it: it follows postChanged and commentAdded.
   */
  communityLive: false,
} as const;
