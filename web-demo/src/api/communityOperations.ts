// The community page's and the admin SPA's operations, and the shapes of
// their results. The documents live in ../graphql/ (Community.graphql,
// CommunityLive.graphql, CommunityTalk.graphql, Admin.graphql, and the
// contract's Reviews.graphql and Media.graphql), all validated against the
// server's schema by graph/operations_test.go.
import adminDocument from '../graphql/Admin.graphql?raw';
import communityDocument from '../graphql/Community.graphql?raw';
import liveDocument from '../graphql/CommunityLive.graphql?raw';
import talkDocument from '../graphql/CommunityTalk.graphql?raw';
import reviewsDocument from '../graphql/Reviews.graphql?raw';
import { operation as op } from './documents';
import type { Time } from './operations';
import type { MediaRef, ModerationStatus } from './reviewOperations';

export { uploadMediaOp, nodes } from './reviewOperations';

export const topicsOp = op(communityDocument, 'CommunityTopics');
export const feedOp = op(communityDocument, 'CommunityFeed');
export const myPostsOp = op(communityDocument, 'MyPosts');
export const postPageOp = op(communityDocument, 'CommunityPostPage');
export const taggableProductsOp = op(communityDocument, 'TaggableProducts');
export const createPostOp = op(communityDocument, 'CreateCommunityPost');
export const deletePostOp = op(communityDocument, 'DeleteCommunityPost');

export const adminQueueOp = op(adminDocument, 'AdminQueue');
export const adminItemOp = op(adminDocument, 'AdminItem');
export const adminModerateOp = op(adminDocument, 'AdminModerate');
export const itemTrailOp = op(adminDocument, 'ItemTrail');
export const authorTrailOp = op(adminDocument, 'AuthorTrail');
export const recentDecisionsOp = op(adminDocument, 'RecentDecisions');
export const adminRecentPostsOp = op(adminDocument, 'AdminRecentPosts');
export const adminTopicsOp = op(adminDocument, 'AdminTopics');
export const createTopicOp = op(adminDocument, 'CreateTopic');
export const updateTopicOp = op(adminDocument, 'UpdateTopic');
export const reorderTopicsOp = op(adminDocument, 'ReorderTopics');
export const setTrustOp = op(adminDocument, 'SetCommunityTrust');
export const watchedWordsOp = op(reviewsDocument, 'WatchedWords');
export const addWatchedWordOp = op(reviewsDocument, 'AddWatchedWord');
export const removeWatchedWordOp = op(reviewsDocument, 'RemoveWatchedWord');
export const awaitingReplyOp = op(reviewsDocument, 'ReviewsAwaitingReply');
export const replyToReviewOp = op(reviewsDocument, 'ReplyToReview');

export const postChangesOp = op(liveDocument, 'CommunityPostChanges');
export const commentChangesOp = op(liveDocument, 'CommunityCommentChanges');
export const postTalkOp = op(talkDocument, 'PostTalk');
export const viewerOp = op(talkDocument, 'CommunityViewer');
export const addCommentOp = op(talkDocument, 'AddComment');
export const reactOp = op(talkDocument, 'React');
export const unreactOp = op(talkDocument, 'Unreact');
export const flagOp = op(talkDocument, 'Flag');

export type ReactionKind = 'LIKE' | 'LOVE' | 'HELPFUL';

export interface Topic {
  id: string;
  slug: string;
  name: string;
  description: string;
}

export interface AdminTopic extends Topic {
  position: number;
}

export interface ProductTag {
  verifiedBuyer: boolean;
  product: { id: string; name: string };
}

/** Post is the CommunityPost fragment. */
export interface Post {
  id: string;
  status: ModerationStatus;
  statusReason: string | null;
  body: string;
  verifiedBuyer: boolean;
  createdAt: Time;
  publishedAt: Time | null;
  editedAt: Time | null;
  commentCount: number;
  topic: { slug: string; name: string };
  author: { displayName: string };
  /** Whether the signed-in customer wrote it (never by display name: two customers can share one). */
  viewerIsAuthor: boolean;
  media: MediaRef[];
  reactionCounts: { kind: ReactionKind; count: number }[];
  productTags: ProductTag[];
}

type Edges<T> = ({ node: T | null } | null)[] | null;

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface TopicsData {
  topics: Topic[];
}

export interface FeedData {
  /** feedCursor: where postChanged starts for a page that read this (the first page's). */
  posts: { edges: Edges<Post>; pageInfo: PageInfo; feedCursor: string };
}

export interface MyPostsData {
  myPosts: { edges: Edges<Post>; pageInfo: PageInfo };
}

export interface PostPageData {
  node: Partial<Post> | null;
}

export interface TaggableProductsData {
  orders: { edges: Edges<{ id: string; items: { id: string; product: { id: string; name: string } }[] | null }> };
}

export interface CreatePostInput {
  topic: string;
  body: string;
  mediaIds?: string[];
  productIds?: string[];
}

export interface CreatePostData {
  createPost: { post: Post };
}

export interface DeletePostData {
  deletePost: { deletedPostId: string };
}

/** FeedChange is what a live feed's update did to an item, as others see it. */
export type FeedChange = 'ADDED' | 'UPDATED' | 'REMOVED';

/** PostChange is one postChanged update: REMOVED carries no post. */
export interface PostChange {
  cursor: string;
  kind: FeedChange;
  postId: string;
  post: Post | null;
}

export interface PostChangesData {
  postChanged: PostChange;
}

/** Comment is the TalkComment fragment; top-level comments carry their replies. */
export interface Comment {
  id: string;
  status: ModerationStatus;
  statusReason: string | null;
  body: string;
  createdAt: Time;
  editedAt: Time | null;
  author: { displayName: string };
  /** Whether the signed-in customer wrote it. */
  viewerIsAuthor: boolean;
  parent: { id: string } | null;
  replies?: Comment[];
}

/** CommentChange is one commentAdded update: REMOVED carries no comment. */
export interface CommentChange {
  cursor: string;
  kind: FeedChange;
  commentId: string;
  comment: Comment | null;
}

export interface CommentChangesData {
  commentAdded: CommentChange;
}

export interface Reactions {
  reactionCounts: { kind: ReactionKind; count: number }[];
  viewerReactions: ReactionKind[];
}

export interface PostTalkData {
  node:
    | (Reactions & {
        id: string;
        commentCount: number;
        /** feedCursor: where commentAdded starts for a page that read this (the first page's). */
        comments: { edges: Edges<Comment>; pageInfo: PageInfo; feedCursor: string };
      })
    | null;
}

export interface CommunityViewer {
  id: string;
  firstName: string;
  lastName: string;
  silencedUntil: Time | null;
  silenceReason: string | null;
}

export interface ViewerData {
  customers: { edges: Edges<CommunityViewer> };
}

export interface AddCommentInput {
  postId: string;
  body: string;
  parentId?: string | null;
}

export interface AddCommentData {
  addComment: { comment: Comment };
}

export interface ReactData {
  react: { post: Reactions & { id: string } };
}

export interface UnreactData {
  unreact: { post: Reactions & { id: string } };
}

export type FlagReason = 'SPAM' | 'OFFENSIVE' | 'OFF_TOPIC' | 'OTHER';

export interface FlagInput {
  itemId: string;
  reason: FlagReason;
  note?: string | null;
}

export interface FlagData {
  flag: { item: { id: string; status: ModerationStatus } };
}

// --- the admin SPA

export type ModerationAction = 'APPROVE' | 'REJECT' | 'HIDE' | 'RESTORE';

/** TrailAction is what the audit trail records: the item actions, and silencing an author. */
export type TrailAction = ModerationAction | 'SILENCE' | 'UNSILENCE';

/** ModeratedItem is the ModeratedItem fragment: a review or a post. */
export interface ModeratedItem {
  __typename: 'Review' | 'Post' | string;
  id: string;
  status: ModerationStatus;
  statusReason: string | null;
  createdAt: Time;
  body?: string;
  rating?: number;
  title?: string | null;
  verifiedBuyer?: boolean;
  editedAt?: Time | null;
  watchedWords?: string[];
  author?: { displayName: string };
  product?: { id: string; name: string };
  topic?: { slug: string; name: string };
  media?: MediaRef[];
  productTags?: ProductTag[];
}

export interface AdminQueueData {
  moderationQueue: {
    totalCount: number;
    edges: { cursor: string; node: ModeratedItem }[];
    pageInfo: PageInfo;
  };
}

export interface AdminItemData {
  node: ModeratedItem | null;
}

export interface Decision {
  id: string;
  itemId: string;
  itemType: string;
  authorId: string | null;
  action: TrailAction | null;
  /** Null for a decision about an author (SILENCE, UNSILENCE: itemType Customer). */
  fromStatus: ModerationStatus | null;
  toStatus: ModerationStatus | null;
  reason: string | null;
  actor: string;
  createdAt: Time;
  /** For SILENCE: until when (the trail queries ask for it). */
  silencedUntil?: Time | null;
}

export interface TrailData {
  moderationDecisions: { edges: Edges<Decision> };
}

export interface ModerateInput {
  itemId: string;
  action: ModerationAction;
  reason?: string | null;
}

export interface ModerateData {
  moderate: { item: ModeratedItem; decision: Omit<Decision, 'itemId' | 'itemType' | 'authorId'> };
}

export interface AdminRecentPostsData {
  posts: { edges: Edges<ModeratedItem>; pageInfo: PageInfo };
}

export interface AdminTopicsData {
  topics: AdminTopic[];
}

export type WatchedWordAction = 'BLOCK' | 'REQUIRE_APPROVAL' | 'FLAG';

export interface WatchedWord {
  id: string;
  word: string;
  action: WatchedWordAction;
  createdAt?: Time;
}

export interface WatchedWordsData {
  watchedWords: { edges: Edges<WatchedWord> };
}

export interface AwaitingReview {
  id: string;
  rating: number;
  title: string | null;
  body: string;
  createdAt: Time;
  author: { displayName: string };
  product: { id: string; name: string };
}

export interface AwaitingReplyData {
  reviewsAwaitingReply: { totalCount: number; edges: Edges<AwaitingReview>; pageInfo: PageInfo };
}

