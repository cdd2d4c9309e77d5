import type { Post } from '../../api/communityOperations';
import { commentsText, postStatusText, reactionsText } from '../../community';
import { formatDate, formatDateTime } from '../../format';
import { communityHref, postHref, productHref } from '../../router';
import { StatusPill } from '../common';

/**
 * PostCard shows a post as the feed, the post's page and the author's own
 * list do: who and where, the text, the photos (each thumbnail links to the
 * full image), the tagged products with their verified-buyer marks, and
 * the counts. own adds the status in words (the author's list, and a post
 * just written that waits for approval).
 */
export function PostCard({ post: p, own = false, linked = true, fresh = false }: { post: Post; own?: boolean; linked?: boolean; fresh?: boolean }) {
  const reactions = reactionsText(p.reactionCounts);
  return (
    <section class={`card post${fresh ? ' event-new' : ''}`} data-testid="post" data-post-id={p.id} data-status={p.status}>
      <div class="post-head">
        <span>
          <strong data-testid="post-author">{p.author.displayName}</strong>
          <span class="muted small">
            {' in '}
            <a href={communityHref(p.topic.slug)} data-testid="post-topic">
              {p.topic.name}
            </a>
          </span>
        </span>
        <span class="muted small" title={formatDateTime(p.publishedAt ?? p.createdAt)}>
          {formatDate(p.publishedAt ?? p.createdAt)}
        </span>
      </div>
      {own && <StatusPill label={postStatusText(p.status, p.statusReason)} testid="post-status" />}
      <p class="post-body" data-testid="post-body">
        {p.body}
      </p>
      {p.editedAt && <p class="muted small">Edited {formatDateTime(p.editedAt)}</p>}
      {p.media.length > 0 && (
        <ul class={`thumbs post-media${p.media.length === 1 ? ' single' : ''}`}>
          {p.media.map((m) => (
            <li key={m.url}>
              <a href={m.url} target="_blank" rel="noopener" data-testid="post-photo">
                {m.kind === 'PHOTO' ? (
                  <img src={m.thumbnailUrl ?? m.url} alt={`Photo by ${p.author.displayName}`} loading="lazy" />
                ) : (
                  <span class="thumb-note">Video</span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      {p.productTags.length > 0 && (
        <ul class="tags" aria-label="Products in this post">
          {p.productTags.map((t) => (
            <li key={t.product.id}>
              <a class="tag" href={productHref(t.product.id)} data-testid="post-product">
                {t.product.name}
                {t.verifiedBuyer && (
                  <span class="tone-text-good" data-testid="post-verified" title="The author received this product">
                    {' '}
                    ✓ Verified buyer
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small post-foot">
        {linked ? (
          <a href={postHref(p.id)} data-testid="post-link">
            {commentsText(p.commentCount)}
          </a>
        ) : (
          commentsText(p.commentCount)
        )}
        {reactions && ` · ${reactions}`}
      </p>
    </section>
  );
}
