package org.patronijdbc.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When the monitor polls next: every refresh interval, or every {@value #FAST_POLL_MS} ms after a
 * connection suggested a role change and while no leader is seen, until the same leader has been
 * seen {@value #STABLE_POLLS} times in a row (for at most {@link #FAST_MODE_LIMIT}). However many
 * refreshes are asked for, polls start at least {@value #FAST_POLL_MS} ms apart: at most about ten
 * {@code GET /cluster} per second per cluster per JVM. Time is a parameter; the monitor thread is
 * the only caller but for {@link #requestFast}.
 */
final class Pacing {

  static final long FAST_POLL_MS = 100;
  static final int STABLE_POLLS = 3;
  static final Duration FAST_MODE_LIMIT = Duration.ofSeconds(60);

  private volatile long fastUntilNanos;
  private long lastPollStartNanos;
  private boolean polledYet;
  private int stableLeaderPolls;
  private String lastLeader = "";

  /** Fast polling from {@code nowNanos} on (at start, and when a connection saw a failure). */
  void requestFast(long nowNanos) {
    fastUntilNanos = nowNanos + FAST_MODE_LIMIT.toNanos();
  }

  /** Forgets the leader streak: the next polls must see the leader again (monitor thread). */
  void restartStreak() {
    stableLeaderPolls = 0;
  }

  /** How long to wait before a poll may start at {@code nowNanos}; 0 when it may start now. */
  long waitBeforePollMs(long nowNanos) {
    if (!polledYet) {
      return 0;
    }
    long since = TimeUnit.NANOSECONDS.toMillis(nowNanos - lastPollStartNanos);
    return Math.max(0, FAST_POLL_MS - since);
  }

  /** A poll starts at {@code nowNanos}. */
  void pollStarted(long nowNanos) {
    polledYet = true;
    lastPollStartNanos = nowNanos;
  }

  /** A poll saw {@code leader} (empty: none); a leader missing keeps the polling fast. */
  void sawLeader(String leader, long nowNanos) {
    if (leader.isEmpty()) {
      requestFast(nowNanos);
      stableLeaderPolls = 0;
    } else if (leader.equals(lastLeader)) {
      if (++stableLeaderPolls >= STABLE_POLLS) {
        fastUntilNanos = nowNanos;
      }
    } else {
      stableLeaderPolls = 1;
    }
    lastLeader = leader;
  }

  /** The delay until the next scheduled poll. */
  long nextDelayMs(long nowNanos, long refreshMs) {
    return fastUntilNanos - nowNanos > 0 ? FAST_POLL_MS : refreshMs;
  }
}
