// useViewer reads who the community page speaks for (a customer sees only
// themselves through `customers`): their display name, to tell their own
// posts and comments, and a silence, to say so before they try to write.
import { useEffect, useState } from 'preact/hooks';
import { query } from '../../api/client';
import { nodes, viewerOp, type CommunityViewer, type ViewerData } from '../../api/communityOperations';
import { displayName } from '../../communityTalk';

/** Viewer is the signed-in customer as the page needs them; null until read (or when the read failed). */
export type Viewer = { name: string; customer: CommunityViewer } | null;

/**
 * useViewer returns the signed-in customer, and refresh() to read them
 * again (after a refusal that says they are silenced). A failed read
 * leaves null: the page still works, offering flags everywhere (the
 * server refuses one's own) and learning of a silence from the refusal.
 */
export function useViewer(): { viewer: Viewer; refresh: () => void } {
  const [viewer, setViewer] = useState<Viewer>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let cancelled = false;
    query<ViewerData, Record<string, never>>(viewerOp, {}).then(
      (d) => {
        const me = nodes(d.customers.edges)[0];
        if (!cancelled && me) {
          setViewer({ name: displayName(me.firstName, me.lastName), customer: me });
        }
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);
  return { viewer, refresh: () => setAttempt((n) => n + 1) };
}
