package org.patronijdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads that see the writes before them, for one data source: the WAL position each commit on the
 * write side reached is the floor for later reads ({@code readYourWrites}: per thread, or for the
 * whole data source), and a read connection is handed out only from a member that has replayed the
 * floor (the leader always has). What a member has replayed is remembered in the member ledger and
 * asked again ({@code pg_last_wal_replay_lsn()}) only when the floor is ahead of it.
 */
public final class ReadYourWrites {

  /** The {@code readYourWrites} scopes. */
  public enum Scope {
    /** No floor: reads go where routing sends them. */
    OFF("off"),
    /** A read sees every commit its thread made through the data source. */
    THREAD("thread"),
    /** A read sees every commit made through the data source before it began. */
    DATA_SOURCE("dataSource");

    private final String spelling;

    Scope(String spelling) {
      this.spelling = spelling;
    }

    /** The property's spelling. */
    public String spelling() {
      return spelling;
    }
  }

  /** How long after a commit whose position is unknown every read goes to the leader. */
  static final long UNKNOWN_COMMIT_MS = 10_000;

  private static final String TOKEN_PREFIX = "pjrw1:";

  private final Scope scope;
  private final long timeoutMs;
  private final MemberLedger ledger;
  private final AtomicLong dataSourceFloor = new AtomicLong();
  private final AtomicLong leaderUntilNanos = new AtomicLong();

  /** This thread's last commit position, and until when (nanos) only the leader will do. */
  private final ThreadLocal<long[]> threadFloor = ThreadLocal.withInitial(() -> new long[2]);

  /** What this thread's {@link #readAfter} scopes and request carry: a position and a deadline. */
  private final ThreadLocal<long[]> scopedFloor = ThreadLocal.withInitial(() -> new long[2]);

  /**
   * @param timeoutMs how long a read waits for a replica to replay its floor before it goes to the
   *     leader or fails
   */
  public ReadYourWrites(Scope scope, long timeoutMs, MemberLedger ledger) {
    this.scope = scope;
    this.timeoutMs = timeoutMs;
    this.ledger = ledger;
  }

  /** Whether commits are followed at all (a scope is on). */
  public boolean isOn() {
    return scope != Scope.OFF;
  }

  /** How long a read waits for a replica that has replayed its floor. */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** A commit on the write side reached {@code lsn}. */
  public void committed(long lsn) {
    if (scope == Scope.THREAD) {
      long[] mine = threadFloor.get();
      mine[0] = Math.max(mine[0], lsn);
    } else if (scope == Scope.DATA_SOURCE) {
      dataSourceFloor.accumulateAndGet(lsn, Math::max);
    }
  }

  /**
   * A commit on the write side may have been applied but its position is not known (the session was
   * lost around it): reads go to the leader for a while.
   */
  public void committedAtUnknownPosition() {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNKNOWN_COMMIT_MS);
    if (scope == Scope.THREAD) {
      threadFloor.get()[1] = until;
    } else if (scope == Scope.DATA_SOURCE) {
      leaderUntilNanos.set(until);
    }
  }

  /**
   * The position a read begun now must see: this thread's or the data source's last commit, and any
   * {@link #readAfter} scope the thread is in; 0 for none; {@link Long#MAX_VALUE} when only the
   * leader will do.
   */
  public long floor() {
    long[] scoped = scopedFloor.get();
    long floor = scoped[0];
    long now = System.nanoTime();
    if (scoped[1] != 0 && scoped[1] - now > 0) {
      return Long.MAX_VALUE;
    }
    if (scope == Scope.THREAD) {
      long[] mine = threadFloor.get();
      if (mine[1] != 0 && mine[1] - now > 0) {
        return Long.MAX_VALUE;
      }
      floor = Math.max(floor, mine[0]);
    } else if (scope == Scope.DATA_SOURCE) {
      long until = leaderUntilNanos.get();
      if (until != 0 && until - now > 0) {
        return Long.MAX_VALUE;
      }
      floor = Math.max(floor, dataSourceFloor.get());
    }
    return floor;
  }

  /**
   * The floor as a token an application can carry (a cookie, a message header): {@code
   * pjrw1:<position>}, with {@code :<until>} (epoch milliseconds) while only the leader will do
   * because a commit's position is not known.
   */
  public String token() {
    long[] scoped = scopedFloor.get();
    long position = Math.max(scoped[0], scope == Scope.THREAD ? threadFloor.get()[0] : 0);
    if (scope == Scope.DATA_SOURCE) {
      position = Math.max(position, dataSourceFloor.get());
    }
    long leaderOnlyNanos = 0;
    long now = System.nanoTime();
    for (long until :
        new long[] {
          scoped[1],
          scope == Scope.THREAD ? threadFloor.get()[1] : 0,
          scope == Scope.DATA_SOURCE ? leaderUntilNanos.get() : 0
        }) {
      if (until != 0 && until - now > 0) {
        leaderOnlyNanos = Math.max(leaderOnlyNanos, until - now);
      }
    }
    String token = TOKEN_PREFIX + Long.toHexString(position);
    return leaderOnlyNanos == 0
        ? token
        : token
            + ":"
            + Long.toHexString(
                System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(leaderOnlyNanos) + 1);
  }

  /**
   * What a token carries: the position, and for how many more milliseconds only the leader will do
   * (at most {@link #UNKNOWN_COMMIT_MS}: a token from another clock or a forged one cannot hold
   * reads on the leader longer). {@code {0, 0}} for anything that is not one of this library's
   * tokens, and for positions no PostgreSQL reaches.
   */
  static long[] parse(String token) {
    if (token == null || !token.startsWith(TOKEN_PREFIX)) {
      return new long[2];
    }
    String[] parts = token.substring(TOKEN_PREFIX.length()).split(":", -1);
    if (parts.length > 2) {
      return new long[2];
    }
    try {
      long position = Long.parseUnsignedLong(parts[0], 16);
      if (position < 0 || position == Long.MAX_VALUE) {
        return new long[2]; // beyond any WAL position, and the leader-only mark: not a position
      }
      long leaderOnlyMs = 0;
      if (parts.length == 2) {
        long untilMs = Long.parseUnsignedLong(parts[1], 16);
        leaderOnlyMs =
            untilMs < 0
                ? 0
                : Math.max(0, Math.min(UNKNOWN_COMMIT_MS, untilMs - System.currentTimeMillis()));
      }
      return new long[] {position, leaderOnlyMs};
    } catch (NumberFormatException e) {
      return new long[2];
    }
  }

  /**
   * Reads on this thread see at least what {@code token} carries until the returned action runs
   * (scopes nest: it restores what the thread saw before). Anything that is not a token is ignored.
   */
  public Runnable readAfter(String token) {
    long[] carried = parse(token);
    long[] floor = scopedFloor.get();
    long beforePosition = floor[0];
    long beforeUntil = floor[1];
    floor[0] = Math.max(beforePosition, carried[0]);
    floor[1] = later(beforeUntil, carried[1]);
    return () -> {
      floor[0] = beforePosition;
      floor[1] = beforeUntil;
    };
  }

  /**
   * A request of a server's thread starts (read-your-writes kept per user, not per thread): the
   * thread forgets earlier requests' commits and reads under what {@code token}, the position the
   * request brings, carries; the returned action ends the request the same way.
   */
  public Runnable startRequest(String token) {
    long[] carried = parse(token);
    long[] mine = threadFloor.get();
    long[] scoped = scopedFloor.get();
    mine[0] = 0;
    mine[1] = 0;
    scoped[0] = carried[0];
    scoped[1] = later(0, carried[1]);
    return () -> {
      mine[0] = 0;
      mine[1] = 0;
      scoped[0] = 0;
      scoped[1] = 0;
    };
  }

  /** The later of {@code untilNanos} (0: none) and {@code ms} from now (0: none). */
  private static long later(long untilNanos, long ms) {
    if (ms <= 0) {
      return untilNanos;
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    return untilNanos != 0 && untilNanos - until > 0 ? untilNanos : until;
  }

  /**
   * The leader served a read begun under {@code seenFloor}, and its position is {@code
   * leaderPosition}: every commit that survived is at or below it, so a floor above it (writes a
   * failover lost, another cluster's token) is lowered to it. The data source's floor is lowered
   * only while it is still the one the read saw, so that a commit made meanwhile keeps its floor.
   */
  void clampTo(long seenFloor, long leaderPosition) {
    if (seenFloor <= leaderPosition) {
      return;
    }
    long[] scoped = scopedFloor.get();
    scoped[0] = Math.min(scoped[0], leaderPosition);
    long[] mine = threadFloor.get();
    mine[0] = Math.min(mine[0], leaderPosition);
    dataSourceFloor.compareAndSet(seenFloor, leaderPosition);
  }

  /**
   * Whether {@code member} has replayed {@code floor}: from what the ledger knows, else by asking
   * on {@code c} (a connection to it), within what is left of {@code deadline}.
   */
  public boolean hasReplayed(String member, Connection c, long floor, Deadline deadline)
      throws SQLException {
    if (floor <= 0 || ledger.replayed(member) >= floor) {
      return true;
    }
    long generation = ledger.replayedGeneration();
    long replayed =
        Logins.withinDeadline(c, deadline, () -> position(c, "SELECT pg_last_wal_replay_lsn()"));
    ledger.noteReplayed(member, replayed, generation);
    return replayed >= floor;
  }

  /** The leader's position now, asked on {@code c} (a connection to the leader). */
  public static long leaderPosition(Connection c) throws SQLException {
    return position(c, "SELECT pg_current_wal_insert_lsn()");
  }

  /**
   * A WAL position {@code sql} reads, outside any transaction: on a connection out of auto-commit
   * the query would begin one that nobody ends (the pool would hand the connection on "idle in
   * transaction"). Turning auto-commit on and off between transactions costs no round trip.
   */
  private static long position(Connection c, String sql) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    if (!autoCommit) {
      c.setAutoCommit(true);
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    } finally {
      if (!autoCommit) {
        c.setAutoCommit(false);
      }
    }
  }

  /**
   * Whether {@code sql} only reads: a plain {@code SELECT}, {@code SHOW}, {@code VALUES} or {@code
   * TABLE} (leading comments and parentheses skipped). Anything else may write ({@code WITH} may
   * hold an {@code INSERT}). A function with side effects called from a {@code SELECT} is not seen.
   */
  public static boolean isPlainQuery(String sql) {
    if (sql == null) {
      return false;
    }
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char ch = sql.charAt(i);
      if (Character.isWhitespace(ch) || ch == '(') {
        i++;
      } else if (sql.startsWith("--", i)) {
        int nl = sql.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int j = i;
    while (j < n && Character.isLetter(sql.charAt(j))) {
      j++;
    }
    String keyword = sql.substring(i, j).toLowerCase(Locale.ROOT);
    return keyword.equals("select")
        || keyword.equals("show")
        || keyword.equals("values")
        || keyword.equals("table");
  }
}
