package org.patronijdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import org.patronijdbc.routing.TargetServerType;

/**
 * What one replica read must see under read-your-writes: the position it was begun at, and until
 * when it waits for a replica that has replayed it before the leader serves it ({@code
 * readYourWritesTimeoutMs}). {@link #NONE} for every other connect. The connector and the read
 * pools ask it alike.
 */
public final class ReadFloor {

  /** No floor. */
  public static final ReadFloor NONE = new ReadFloor(null, 0, null);

  private static final long FIRST_PAUSE_MS = 2;
  private static final long MAX_PAUSE_MS = 50;

  private final ReadYourWrites writes;
  private final long lsn;
  private final Deadline waitUntil;
  private long pauseMs = FIRST_PAUSE_MS;

  private ReadFloor(ReadYourWrites writes, long lsn, Deadline waitUntil) {
    this.writes = writes;
    this.lsn = lsn;
    this.waitUntil = waitUntil;
  }

  /** The floor of a connect of {@code type}, begun now. */
  public static ReadFloor of(TargetServerType type, ReadYourWrites writes) {
    if (!type.isReplicaRead()) {
      return NONE;
    }
    long lsn = writes.floor();
    return lsn <= 0 ? NONE : new ReadFloor(writes, lsn, Deadline.afterMillis(writes.timeoutMs()));
  }

  /** Whether only the leader will do (a commit's position is not known). */
  public boolean leaderOnly() {
    return lsn == Long.MAX_VALUE;
  }

  /** Whether replicas still have time to replay the floor before the leader serves the read. */
  public boolean waiting() {
    return lsn > 0 && !leaderOnly() && !waitUntil.isExpired();
  }

  /**
   * Whether {@code c}, just opened to the replica {@code member}, may serve the read: once it has
   * replayed the floor (asked within {@code deadline}). A connection it does not admit is closed.
   */
  public boolean admits(String member, Connection c, Deadline deadline) throws SQLException {
    if (lsn <= 0) {
      return true;
    }
    boolean replayed;
    try {
      replayed = !leaderOnly() && writes.hasReplayed(member, c, lsn, deadline);
    } catch (SQLException e) {
      replayed = false;
    }
    if (!replayed) {
      c.close();
    }
    return replayed;
  }

  /**
   * The leader serves the read: what the floor asked of it is clamped to the leader's position, so
   * a position no member has (a forged token, writes lost in a failover) costs one timeout, not one
   * per read.
   */
  public void servedByLeader(Connection leader) {
    if (lsn <= 0 || leaderOnly()) {
      return;
    }
    try {
      writes.clampTo(lsn, ReadYourWrites.leaderPosition(leader));
    } catch (SQLException | RuntimeException e) {
      // the read goes on; the next one asks again
    }
  }

  /** Why a replica was not admitted. */
  public static String why() {
    return "has not replayed the position this read must see yet (readYourWrites)";
  }

  /** Waits a little before replicas are asked again: 2 ms, doubling up to 50 ms. */
  public void pause() throws InterruptedException {
    Thread.sleep(Math.min(pauseMs, Math.max(1, waitUntil.remainingMillis())));
    pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
  }
}
