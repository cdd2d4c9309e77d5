import { useEffect, useRef, useState } from 'preact/hooks';
import { mutate, query } from '../../api/client';
import {
  createPostOp,
  taggableProductsOp,
  uploadMediaOp,
  type CreatePostData,
  type CreatePostInput,
  type Post,
  type TaggableProductsData,
  type Topic,
} from '../../api/communityOperations';
import type { Media, UploadMediaData } from '../../api/reviewOperations';
import { describeCommunityError, maxPostBody, maxPostPhotos, maxPostProducts, taggableProducts, type Taggable } from '../../community';

/** A photo in the form: uploading, uploaded (with its media), or refused. */
type Photo =
  | { key: number; state: 'uploading'; name: string }
  | { key: number; state: 'done'; media: Media }
  | { key: number; state: 'failed'; name: string; error: string };

let nextKey = 0;

interface Props {
  topics: Topic[];
  /** The topic the feed shows, preselected. */
  topic: string | null;
  onPosted: (p: Post) => void;
  onCancel: () => void;
}

/**
 * PostComposer writes a post: a topic, the text, up to ten photos (each
 * uploaded as soon as it is picked, with uploadMedia, and shown from the
 * server's thumbnail) and products from the customer's orders to tag.
 */
export function PostComposer({ topics, topic, onPosted, onCancel }: Props) {
  const [slug, setSlug] = useState(topic ?? topics[0]?.slug ?? '');
  const [body, setBody] = useState('');
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [products, setProducts] = useState<Taggable[] | null>(null);
  const [tagged, setTagged] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // Uploads and the tag list may answer after the form closed.
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  useEffect(() => {
    // Tags are optional: without the list the form still posts.
    query<TaggableProductsData, Record<string, never>>(taggableProductsOp, {}).then(
      (d) => alive.current && setProducts(taggableProducts(d)),
      () => alive.current && setProducts([]),
    );
  }, []);

  const kept = photos.filter((p) => p.state !== 'failed');
  const uploading = photos.some((p) => p.state === 'uploading');
  const room = maxPostPhotos - kept.length;

  const pick = (files: FileList | null) => {
    for (const file of [...(files ?? [])].slice(0, Math.max(0, room))) {
      const key = nextKey++;
      setPhotos((ps) => [...ps, { key, state: 'uploading', name: file.name }]);
      mutate<UploadMediaData, { file: File }>(uploadMediaOp, { file }).then(
        (d) => alive.current && setPhotos((ps) => ps.map((p) => (p.key === key ? { key, state: 'done', media: d.uploadMedia.media } : p))),
        (err: unknown) =>
          alive.current &&
          setPhotos((ps) =>
            ps.map((p) => (p.key === key ? { key, state: 'failed', name: file.name, error: describeCommunityError(err) } : p)),
          ),
      );
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaving(true);
    const input: CreatePostInput = {
      topic: slug,
      body,
      mediaIds: photos.flatMap((p) => (p.state === 'done' ? [p.media.id] : [])),
      productIds: tagged,
    };
    try {
      const d = await mutate<CreatePostData, { input: CreatePostInput }>(createPostOp, { input });
      onPosted(d.createPost.post);
    } catch (err) {
      setError(describeCommunityError(err));
    } finally {
      if (alive.current) {
        setSaving(false);
      }
    }
  };

  const toggle = (id: string) =>
    setTagged((t) => (t.includes(id) ? t.filter((x) => x !== id) : t.length < maxPostProducts ? [...t, id] : t));
  const ready = slug !== '' && body.trim() !== '' && !uploading && !saving;
  return (
    <form class="card composer review-form" data-testid="post-form" onSubmit={submit}>
      <label for="post-topic">Topic</label>
      <select id="post-topic" data-testid="post-topic-input" value={slug} onChange={(e) => setSlug(e.currentTarget.value)}>
        {topics.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name}
          </option>
        ))}
      </select>
      <label for="post-body">Your post</label>
      <textarea
        id="post-body"
        data-testid="post-body-input"
        rows={4}
        maxLength={maxPostBody}
        value={body}
        placeholder="Unboxed something? Brewed something? Tell the others."
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
              accept="image/jpeg,image/png,image/webp,video/mp4,video/webm"
              multiple
              hidden
              onChange={(e) => {
                pick(e.currentTarget.files);
                e.currentTarget.value = '';
              }}
            />
          </label>
        )}
        <p class="muted small">Up to {maxPostPhotos} photos or videos. Location data is removed from photos.</p>
      </div>
      {products && products.length > 0 && (
        <fieldset class="tag-input" data-testid="post-products-input">
          <legend>Products in your post (optional)</legend>
          {products.map((p) => (
            <label key={p.id} class="check">
              <input type="checkbox" checked={tagged.includes(p.id)} onChange={() => toggle(p.id)} /> {p.name}
            </label>
          ))}
          <p class="muted small">Products you received are marked "Verified buyer".</p>
        </fieldset>
      )}
      {error && (
        <p class="notice notice-error" role="alert" data-testid="post-error">
          {error}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button" data-testid="submit-post" disabled={!ready}>
          {saving ? 'Posting…' : 'Post'}
        </button>
        <button type="button" class="link" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
