/**
 * Notifications: channels (Slack, DingTalk, Feishu/Lark, WeCom, signed webhooks, e-mail) that
 * subscribe to topics, a durable outbox written in the transaction of what it reports, and the
 * sender that delivers it with retries. Other folders import from here only.
 */
export {
  TOPICS,
  isTopic,
  type Topic,
  type NotificationPayload,
  type RunSnapshot,
  type TaskSnapshot,
} from './topics.ts';
export {
  CHANNEL_KINDS,
  isChannelKind,
  parseChannelConfig,
  type ChannelKind,
  type ChannelConfig,
} from './channel-config.ts';
export {
  CHANNEL_NAME,
  checkChannelName,
  createChannel,
  updateChannel,
  deleteChannel,
  listChannels,
  findChannelRow,
  channelInfo,
  openChannel,
  type ChannelInfo,
  type ChannelPatch,
  type NewChannel,
} from './channels.ts';
export { invalidateChannels } from './channel-cache.ts';
export {
  enqueueNotification,
  listDeliveries,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type DeliveryInfo,
} from './outbox.ts';
export { enqueueTransitionNotifications, transitionNotifies, runSnapshot } from './engine-hook.ts';
export { buildMessage, joinUrl, type Message } from './message.ts';
export { sendMessage, SEND_TIMEOUT_MS } from './send.ts';
export { DeliveryError, isDeliveryError } from './delivery-error.ts';
export {
  Dispatcher,
  runNotificationDispatcher,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  type DispatcherDeps,
} from './dispatcher.ts';
export { publicUrlOf } from './public-url.ts';
