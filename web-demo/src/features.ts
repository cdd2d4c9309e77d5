// Switches for the parts of issue 11 the server does not have yet. Each
// names the operations waiting in src/graphql/next/: when the server has
// them, rename that file to .graphql (graph/operations_test.go then checks
// it against the schema) and turn the switch on.
export const features = {
  /**
   * postAdded and moderationQueueChanged (next/CommunityLive.graphql.next):
   * the feed grows without a reload, the admin queue follows every
   * instance. Off: the feed has a "Check for new posts" button and the
   * queue a "Refresh" button.
   */
  communityLive: false,
  /**
   * Comments, reactions, flags and silence (next/CommunityTalk.graphql.next).
   * Off: posts show their counts, without the buttons.
   */
  communityTalk: false,
} as const;
