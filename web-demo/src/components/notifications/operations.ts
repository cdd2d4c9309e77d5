// The in-app notifications' operations (../../graphql/Notifications.graphql)
// and the shapes of their results.
import document from '../../graphql/Notifications.graphql?raw';
import { operation as op } from '../../api/documents';
import type { Time } from '../../api/operations';

export const myNotificationsOp = op(document, 'MyNotifications');
export const markReadOp = op(document, 'MarkNotificationsRead');
export const notificationFeedOp = op(document, 'NotificationFeed');

export interface ShownNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Time;
  readAt: Time | null;
  order: { number: string } | null;
}

export interface MyNotificationsData {
  viewer: {
    notifications: {
      unreadCount: number;
      feedCursor: string;
      edges: { node: ShownNotification }[];
    };
  } | null;
}

export interface MarkReadData {
  markNotificationsRead: { marked: number; unreadCount: number; notifications: { id: string; readAt: Time | null }[] };
}

export interface NotificationAdded {
  cursor: string;
  notification: ShownNotification;
}

export interface NotificationFeedData {
  notificationAdded: NotificationAdded;
}
