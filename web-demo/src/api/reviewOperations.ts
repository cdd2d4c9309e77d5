// The review operations the app runs, and the shapes of their results. The
// documents live in ../graphql/ (Reviews.graphql: issue 10's contract,
// verbatim; Media.graphql; ReviewWidget.graphql: the widget's own), all
// validated against the server's schema by graph/operations_test.go.
import uploadMediaDocument from '../graphql/Media.graphql?raw';
import reviewsDocument from '../graphql/Reviews.graphql?raw';
import widgetDocument from '../graphql/ReviewWidget.graphql?raw';
import { operation as op } from './documents';
import type { Time } from './operations';

export const writeReviewOp = op(reviewsDocument, 'WriteReview');
export const productReviewsOp = op(reviewsDocument, 'ProductReviews');
export const reviewRepliesOp = op(reviewsDocument, 'ReviewReplies');
export const uploadMediaOp = op(uploadMediaDocument, 'UploadMedia');
export const orderReviewsOp = op(widgetDocument, 'OrderReviews');
export const editMyReviewOp = op(widgetDocument, 'EditMyReview');
export const reviewThreadOp = op(widgetDocument, 'ReviewThread');

export type ModerationStatus = 'PENDING' | 'PUBLISHED' | 'REJECTED' | 'HIDDEN';
export type MediaKind = 'PHOTO' | 'VIDEO';

export interface MediaRef {
  url: string;
  thumbnailUrl: string | null;
  kind: MediaKind;
}

export interface Media extends MediaRef {
  id: string;
}

// --- ReviewWidget.graphql: the author's own review

export interface OwnReview {
  id: string;
  rating: number;
  title: string | null;
  body: string;
  status: ModerationStatus;
  statusReason: string | null;
  verifiedBuyer: boolean;
  createdAt: Time;
  editedAt: Time | null;
  orderItem: { id: string } | null;
  media: Media[];
}

export interface OrderReviewsData {
  order: {
    id: string;
    items:
      | { id: string; product: { id: string; viewerReview: OwnReview | null } }[]
      | null;
  } | null;
}

export interface EditMyReviewData {
  editReview: { review: OwnReview };
}

export interface EditReviewInput {
  reviewId: string;
  rating?: number;
  title?: string;
  body?: string;
  mediaIds?: string[];
}

// --- Reviews.graphql (the contract)

export interface WriteReviewInput {
  productId: string;
  rating: number;
  title?: string | null;
  body: string;
  mediaIds?: string[];
}

export interface WriteReviewData {
  writeReview: {
    review: {
      id: string;
      rating: number;
      title: string | null;
      body: string;
      status: ModerationStatus;
      verifiedBuyer: boolean;
      createdAt: Time;
      media: MediaRef[];
      product: { id: string; name: string };
    };
  };
}

export interface Reply {
  id: string;
  body: string;
  byMerchant: boolean;
  createdAt: Time;
}

export interface RatingCount {
  rating: number;
  count: number;
}

export interface ReviewSummary {
  averageRating: number;
  count: number;
  verifiedCount: number;
  histogram: RatingCount[];
}

export interface ListedReview {
  id: string;
  rating: number;
  title: string | null;
  body: string;
  verifiedBuyer: boolean;
  helpfulCount: number;
  createdAt: Time;
  author: { displayName: string };
  media: MediaRef[];
  replies: { edges: ({ node: Reply | null } | null)[] | null };
}

export interface ProductReviewsData {
  node: {
    name?: string;
    reviewSummary?: ReviewSummary;
    reviews?: {
      totalCount: number;
      edges: ({ node: ListedReview | null } | null)[] | null;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  } | null;
}

export interface ReplyUpdate {
  cursor: string;
  reply: Reply;
}

export interface ReviewRepliesData {
  reviewReplyAdded: ReplyUpdate;
}

export interface ReviewThreadData {
  node: { id: string; replies?: { edges: ({ node: Reply | null } | null)[] | null } } | null;
}

// --- Media.graphql

export interface UploadMediaData {
  uploadMedia: { media: Media };
}

/** nodes flattens a connection's edges, skipping nulls. */
export function nodes<T>(edges: ({ node: T | null } | null)[] | null | undefined): T[] {
  return (edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
}
