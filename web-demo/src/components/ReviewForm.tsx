import { useEffect, useState } from 'preact/hooks';
import { mutate } from '../api/client';
import {
  editMyReviewOp,
  uploadMediaOp,
  writeReviewOp,
  type EditMyReviewData,
  type EditReviewInput,
  type Media,
  type OwnReview,
  type UploadMediaData,
  type WriteReviewData,
  type WriteReviewInput,
} from '../api/reviewOperations';
import { describeReviewError, maxPhotos, starsLabel } from '../reviews';

/** A photo in the form: uploading, uploaded (with its media), or refused. */
type Photo =
  | { key: number; state: 'uploading'; name: string }
  | { key: number; state: 'done'; media: Media }
  | { key: number; state: 'failed'; name: string; error: string };

let nextKey = 0;

interface Props {
  productId: string;
  productName: string;
  /** The author's review when editing; null to write one. */
  existing: OwnReview | null;
  onSaved: (r: OwnReview) => void;
  onCancel: () => void;
}

/**
 * ReviewForm writes or edits the shopper's review of one product: stars,
 * an optional title, the text and up to six photos. Each photo is uploaded
 * as soon as it is picked (uploadMedia, a GraphQL multipart request) and
 * shown from the server's thumbnail; the review then names them by id.
 */
export function ReviewForm({ productId, productName, existing, onSaved, onCancel }: Props) {
  const [rating, setRating] = useState(existing?.rating ?? 0);
  const [title, setTitle] = useState(existing?.title ?? '');
  const [body, setBody] = useState(existing?.body ?? '');
  const [photos, setPhotos] = useState<Photo[]>(() =>
    (existing?.media ?? []).map((media) => ({ key: nextKey++, state: 'done', media })),
  );
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [alive, setAlive] = useState(true);
  useEffect(() => () => setAlive(false), []);

  const kept = photos.filter((p) => p.state !== 'failed');
  const uploading = photos.some((p) => p.state === 'uploading');
  const room = maxPhotos - kept.length;

  const pick = (files: FileList | null) => {
    const list = [...(files ?? [])].slice(0, Math.max(0, room));
    for (const file of list) {
      const key = nextKey++;
      setPhotos((ps) => [...ps, { key, state: 'uploading', name: file.name }]);
      mutate<UploadMediaData, { file: File }>(uploadMediaOp, { file }).then(
        (d) => alive && setPhotos((ps) => ps.map((p) => (p.key === key ? { key, state: 'done', media: d.uploadMedia.media } : p))),
        (err: unknown) =>
          alive &&
          setPhotos((ps) =>
            ps.map((p) => (p.key === key ? { key, state: 'failed', name: file.name, error: describeReviewError(err) } : p)),
          ),
      );
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    const media = photos.flatMap((p) => (p.state === 'done' ? [p.media] : []));
    const mediaIds = media.map((m) => m.id);
    try {
      if (existing) {
        const input: EditReviewInput = { reviewId: existing.id, rating, title: title.trim(), body, mediaIds };
        const d = await mutate<EditMyReviewData, { input: EditReviewInput }>(editMyReviewOp, { input });
        onSaved(d.editReview.review);
      } else {
        const input: WriteReviewInput = { productId, rating, title: title.trim() || null, body, mediaIds };
        const d = await mutate<WriteReviewData, { input: WriteReviewInput }>(writeReviewOp, { input });
        const r = d.writeReview.review;
        // The contract's payload has what the page shows; the ids of the
        // photos are the ones just sent, in that order.
        onSaved({ ...r, statusReason: null, editedAt: null, orderItem: null, media: r.media.map((m, i) => ({ ...m, id: mediaIds[i] })) });
      }
    } catch (err) {
      setError(describeReviewError(err));
    } finally {
      setSaving(false);
    }
  };

  const ready = rating >= 1 && body.trim() !== '' && !uploading && !saving;
  return (
    <form class="review-form" data-testid="review-form" onSubmit={submit}>
      <fieldset class="stars-input" data-testid="rating-input">
        <legend>Your rating of {productName}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} class={n <= rating ? 'on' : ''} title={starsLabel(n)}>
            <input type="radio" name="rating" value={n} checked={rating === n} onChange={() => setRating(n)} aria-label={starsLabel(n)} />
            <span aria-hidden="true">★</span>
          </label>
        ))}
      </fieldset>
      <label for={`title-${productId}`}>Title (optional)</label>
      <input
        id={`title-${productId}`}
        data-testid="review-title"
        maxLength={150}
        value={title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <label for={`body-${productId}`}>Your review</label>
      <textarea
        id={`body-${productId}`}
        data-testid="review-body"
        rows={4}
        maxLength={5000}
        value={body}
        placeholder="What did you like or not like?"
        onInput={(e) => setBody(e.currentTarget.value)}
      />
      <div class="photos-input">
        <ul class="thumbs">
          {photos.map((p) => (
            <li key={p.key} class={`thumb-slot thumb-${p.state}`}>
              {p.state === 'done' && p.media.thumbnailUrl ? (
                <img data-testid="photo-thumb" src={p.media.thumbnailUrl} alt="Your photo" width={72} height={72} />
              ) : p.state === 'uploading' ? (
                <span class="thumb-note" data-testid="photo-uploading">
                  Uploading…
                </span>
              ) : p.state === 'failed' ? (
                <span class="thumb-note" data-testid="photo-error" role="alert">
                  {p.error}
                </span>
              ) : (
                <span class="thumb-note">Video</span>
              )}
              {p.state !== 'uploading' && (
                <button type="button" class="link" onClick={() => setPhotos((ps) => ps.filter((x) => x.key !== p.key))}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
        {room > 0 && (
          <label class="button button-secondary">
            Add photos
            <input
              type="file"
              data-testid="photo-input"
              accept="image/jpeg,image/png,image/webp"
              multiple
              hidden
              onChange={(e) => {
                pick(e.currentTarget.files);
                e.currentTarget.value = '';
              }}
            />
          </label>
        )}
        <p class="muted small">Up to {maxPhotos} photos (JPEG, PNG or WebP). Location data is removed.</p>
      </div>
      {error && (
        <p class="notice notice-error" role="alert" data-testid="review-error">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button" data-testid="submit-review" disabled={!ready}>
          {saving ? 'Saving…' : existing ? 'Save changes' : 'Post review'}
        </button>
        <button type="button" class="link" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
