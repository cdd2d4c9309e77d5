// The admin SPA's client: its own session (an ADMIN token), apart from the
// shopper's. In development it signs in at /demo/admin-session when the
// server has that route (server/demo.SessionHandler, to be wired next to
// /demo/session); otherwise, as in production, staff paste a token, kept
// for the browser tab only.
import { createApi } from '../api/client';

export const admin = createApi({ sessionURL: `${import.meta.env.BASE_URL}admin-session`, storageKey: 'aftercart.admin-token' });
export const { session, query, mutate } = admin;
