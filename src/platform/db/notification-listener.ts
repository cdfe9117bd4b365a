import pg from 'pg';
import type { Logger } from 'pino';

const FIRST_RECONNECT_DELAY_MS = 500;
const LONGEST_RECONNECT_DELAY_MS = 10_000;

export type NotificationListener = {
  /** Calls `onNotification` for each NOTIFY on `channel`, until the returned function is called. */
  listen(channel: string, onNotification: () => void): () => void;
  close(): Promise<void>;
};

/**
 * PostgreSQL's LISTEN on a connection of its own (a pooled connection cannot listen: it goes back
 * to the pool between statements). When the connection drops, it connects again with a backoff
 * and listens again; each listener is then called once, since notifications sent while it was
 * away are lost.
 */
export function createNotificationListener(options: { connectionString: string; logger?: Logger }): NotificationListener {
  const listeners = new Map<string, Set<() => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
  let closed = false;
  let cutLogged = false;

  function tell(channel: string): void {
    for (const listener of listeners.get(channel) ?? []) listener();
  }

  function quoted(channel: string): string {
    return pg.escapeIdentifier(channel);
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, reconnectDelayMs);
    reconnectTimer.unref();
    reconnectDelayMs = Math.min(LONGEST_RECONNECT_DELAY_MS, reconnectDelayMs * 2);
  }

  function dropped(lost: pg.Client): void {
    if (client !== lost) return;
    client = undefined;
    if (!cutLogged) {
      cutLogged = true;
      options.logger?.warn('database notification connection lost; reconnecting');
    }
    lost.removeAllListeners('notification');
    void lost.end().catch(() => {});
    scheduleReconnect();
  }

  async function connect(): Promise<void> {
    if (closed || client || connecting) return connecting;
    const candidate = new pg.Client({ connectionString: options.connectionString });
    // Without a listener, an 'error' from a cut connection would end the process.
    candidate.on('error', () => dropped(candidate));
    candidate.on('end', () => dropped(candidate));
    candidate.on('notification', (message) => tell(message.channel));
    connecting = (async () => {
      try {
        await candidate.connect();
        if (closed) {
          await candidate.end();
          return;
        }
        client = candidate;
        for (const channel of listeners.keys()) await candidate.query(`LISTEN ${quoted(channel)}`);
        if (cutLogged) options.logger?.info('database notification connection restored');
        cutLogged = false;
        reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
        // Whatever was sent while no connection listened is lost: listeners look for themselves.
        for (const channel of listeners.keys()) tell(channel);
      } catch {
        if (client === candidate) dropped(candidate);
        else {
          void candidate.end().catch(() => {});
          scheduleReconnect();
        }
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  }

  return {
    listen(channel, onNotification) {
      let channelListeners = listeners.get(channel);
      if (!channelListeners) {
        channelListeners = new Set();
        listeners.set(channel, channelListeners);
        if (client) client.query(`LISTEN ${quoted(channel)}`).catch(() => client && dropped(client));
      }
      channelListeners.add(onNotification);
      void connect();
      return () => {
        channelListeners.delete(onNotification);
      };
    },

    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      await connecting;
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
