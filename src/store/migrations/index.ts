import type { Migration } from 'kysely';
import * as initial from './001_initial.ts';
import * as mail from './010_mail.ts';
import * as subscriptions from './020_subscriptions.ts';
import * as scheduler from './030_scheduler.ts';
import * as feeds from './040_feeds.ts';
import * as mailingStart from './050_mailing_start.ts';
import * as feedEntries from './051_feed_entries.ts';
import * as bounceSafety from './053_bounce_safety.ts';
import * as deliveryReports from './054_delivery_reports.ts';
import * as suppressions from './055_suppressions.ts';
import * as signupGuard from './056_signup_guard.ts';
import * as webhookReplay from './059_webhook_replay.ts';
import * as adminUsers from './070_admin_users.ts';
import * as adminSessions from './071_admin_sessions.ts';
import * as adminAudit from './072_admin_audit.ts';

/** Every migration, by name; names sort in the order they run. Add new ones at the end. */
export const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '010_mail': mail,
  '020_subscriptions': subscriptions,
  '030_scheduler': scheduler,
  '040_feeds': feeds,
  '050_mailing_start': mailingStart,
  '051_feed_entries': feedEntries,
  '053_bounce_safety': bounceSafety,
  '054_delivery_reports': deliveryReports,
  '055_suppressions': suppressions,
  '056_signup_guard': signupGuard,
  '059_webhook_replay': webhookReplay,
  '070_admin_users': adminUsers,
  '071_admin_sessions': adminSessions,
  '072_admin_audit': adminAudit,
};
