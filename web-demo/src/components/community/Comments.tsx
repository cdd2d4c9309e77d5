import { useState } from 'preact/hooks';
import { mutate } from '../../api/client';
import { addCommentOp, type AddCommentData, type AddCommentInput, type Comment } from '../../api/communityOperations';
import { errorCode } from '../../api/errors';
import { silenceText } from '../../community';
import { commentStatusText, describeTalkError, isOwn, maxCommentBody } from '../../communityTalk';
import { formatDate, formatDateTime } from '../../format';
import { FlagButton } from './FlagForm';
import type { Viewer } from './useViewer';

interface Props {
  postId: string;
  thread: Comment[];
  viewer: Viewer;
  /** open: the post takes comments (it is published). */
  open: boolean;
  /** onWritten adds the viewer's new comment to the thread (it may wait for approval: no live update announces it). */
  onWritten: (c: Comment) => void;
  /** onSilenced: a refusal said the viewer is silenced; read them again. */
  onSilenced: () => void;
}

/**
 * Comments is a post's conversation: top-level comments oldest first, each
 * with its replies (one level: only a top-level comment has "Reply"), a
 * box to comment, and "Report" on what others wrote. The viewer's own
 * comment that waits for approval says so; only they see it.
 */
export function Comments({ postId, thread, viewer, open, onWritten, onSilenced }: Props) {
  const [replyTo, setReplyTo] = useState<string | null>(null);
  const silence = viewer ? silenceText(viewer.customer.silencedUntil, viewer.customer.silenceReason) : null;
  const canWrite = open && !silence;
  const written = (c: Comment) => {
    setReplyTo(null);
    onWritten(c);
  };
  return (
    <>
      {thread.length === 0 ? (
        <p class="muted" data-testid="no-comments">
          {open ? 'No comments yet. Start the conversation.' : 'No comments.'}
        </p>
      ) : (
        <ul class="comments" data-testid="comment-list">
          {thread.map((c) => (
            <li key={c.id}>
              <CommentItem comment={c} onReply={canWrite && c.status === 'PUBLISHED' ? () => setReplyTo(c.id) : null} />
              {((c.replies?.length ?? 0) > 0 || replyTo === c.id) && (
                <ul class="comment-replies" aria-label={`Replies to ${c.author.displayName}`}>
                  {(c.replies ?? []).map((r) => (
                    <li key={r.id}>
                      <CommentItem comment={r} onReply={null} />
                    </li>
                  ))}
                  {replyTo === c.id && (
                    <li>
                      <CommentBox
                        postId={postId}
                        parent={c}
                        onWritten={written}
                        onCancel={() => setReplyTo(null)}
                        onSilenced={onSilenced}
                      />
                    </li>
                  )}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      {silence ? (
        <p class="notice notice-wait" role="status" data-testid="silenced">
          {silence}
        </p>
      ) : open ? (
        <CommentBox postId={postId} parent={null} onWritten={written} onSilenced={onSilenced} />
      ) : (
        <p class="muted small" data-testid="comments-closed">
          Comments open once the post is published.
        </p>
      )}
    </>
  );
}

/** CommentItem is one comment or reply: who, when, the text, and what the viewer may do. */
function CommentItem({ comment: c, onReply }: { comment: Comment; onReply: (() => void) | null }) {
  const own = isOwn(c);
  const status = commentStatusText(c);
  return (
    <article class="comment" data-testid="comment" data-comment-id={c.id} data-status={c.status}>
      <div class="post-head">
        <strong data-testid="comment-author">{c.author.displayName}</strong>
        <span class="muted small" title={formatDateTime(c.createdAt)}>
          {formatDate(c.createdAt)}
        </span>
      </div>
      {status && (
        <p class={`small ${c.status === 'PENDING' ? 'pending-note' : 'tone-text-alert'}`} data-testid="comment-status">
          {status}
        </p>
      )}
      <p class="comment-body" data-testid="comment-body">
        {c.body}
      </p>
      {c.editedAt && <p class="muted small">Edited {formatDateTime(c.editedAt)}</p>}
      <div class="comment-actions">
        {onReply && (
          <button type="button" class="link small" data-testid="reply-open" aria-label={`Reply to ${c.author.displayName}`} onClick={onReply}>
            Reply
          </button>
        )}
        {!own && c.status === 'PUBLISHED' && <FlagButton itemId={c.id} what="comment" />}
      </div>
    </article>
  );
}

/** CommentBox writes a comment on the post, or a reply to parent. */
function CommentBox({
  postId,
  parent,
  onWritten,
  onCancel,
  onSilenced,
}: {
  postId: string;
  parent: Comment | null;
  onWritten: (c: Comment) => void;
  onCancel?: () => void;
  onSilenced: () => void;
}) {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const id = parent ? `reply-${parent.id}` : 'comment-new';

  const submit = async (e: Event) => {
    e.preventDefault();
    setSending(true);
    setError(null);
    try {
      const input: AddCommentInput = { postId, body, parentId: parent?.id ?? null };
      const d = await mutate<AddCommentData, { input: AddCommentInput }>(addCommentOp, { input });
      setBody('');
      onWritten(d.addComment.comment);
    } catch (err) {
      setError(describeTalkError(err));
      if (errorCode(err) === 'FORBIDDEN') {
        onSilenced(); // perhaps silenced since the page loaded: say so above the box
      }
    } finally {
      setSending(false);
    }
  };
  return (
    <form class="comment-form" data-testid={parent ? 'reply-form' : 'comment-form'} onSubmit={submit}>
      <label for={id}>{parent ? `Reply to ${parent.author.displayName}` : 'Add a comment'}</label>
      <textarea
        id={id}
        data-testid="comment-input"
        rows={parent ? 2 : 3}
        maxLength={maxCommentBody}
        value={body}
        onInput={(e) => setBody(e.currentTarget.value)}
      />
      {error && (
        <p class="notice notice-error" role="alert" data-testid="comment-error">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button" data-testid="comment-submit" disabled={sending || body.trim() === ''}>
          {sending ? 'Sending…' : parent ? 'Reply' : 'Comment'}
        </button>
        {onCancel && (
          <button type="button" class="link" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
