package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * One method's writers and readers during a failover scenario. Every operation is recorded with the
 * time it ended and its outcome; {@link #figures} reads a window of them.
 */
final class Load implements AutoCloseable {

  /** What became of one operation. */
  enum Outcome {
    /** A write on the leader, or a read on a replica. */
    OK,
    /** A read the leader served. */
    OK_ON_LEADER,
    /** Any error other than the next. */
    FAILED,
    /** SQLState 25006: a write reached a read-only member. */
    MISROUTED
  }

  /**
   * One operation.
   *
   * @param endNanos when it ended
   * @param write a write, else a read
   * @param outcome what became of it
   * @param port the server port that answered a successful read ({@code inet_server_port()}), else
   *     0
   * @param id the row a write inserted, else 0
   */
  record Op(long endNanos, boolean write, Outcome outcome, int port, long id) {
    boolean ok() {
      return outcome == Outcome.OK || outcome == Outcome.OK_ON_LEADER;
    }
  }

  static final int READ_ROWS = 1000;
  private static final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);

  /** A fresh primary key for a row of {@code bench}. */
  static long nextId() {
    return ids.incrementAndGet();
  }

  private final Method method;
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  Load(Method method, int writers, int readers) {
    this.method = method;
    for (int i = 0; i < writers + readers; i++) {
      boolean write = i < writers;
      String name = method.name() + (write ? "-writer-" + i : "-reader-" + (i - writers));
      Thread t = new Thread(() -> loop(write), name);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  Method method() {
    return method;
  }

  private void loop(boolean write) {
    while (running.get()) {
      Op op;
      try {
        op = write ? write() : read();
      } catch (SQLException e) {
        Outcome outcome = "25006".equals(e.getSQLState()) ? Outcome.MISROUTED : Outcome.FAILED;
        op = new Op(System.nanoTime(), write, outcome, 0, 0);
      }
      ops.add(op);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private Op write() throws SQLException {
    long id = nextId();
    try (Connection c = method.writes().getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO bench (id) VALUES (?)")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
    return new Op(System.nanoTime(), true, Outcome.OK, 0, id);
  }

  private Op read() throws SQLException {
    try (Connection c = method.reads().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT v, pg_is_in_recovery(), inet_server_port() FROM bench_read WHERE id = ?")) {
      ps.setInt(1, ThreadLocalRandom.current().nextInt(READ_ROWS));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("row missing from bench_read", "02000");
        }
        Outcome outcome = rs.getBoolean(2) ? Outcome.OK : Outcome.OK_ON_LEADER;
        return new Op(System.nanoTime(), false, outcome, rs.getInt(3), 0);
      }
    }
  }

  /** The rows of the writes acknowledged between {@code from} and {@code to}. */
  long[] acknowledged(long from, long to) {
    return ops(from, to).stream().filter(o -> o.write() && o.ok()).mapToLong(Op::id).toArray();
  }

  /** The operations that ended between {@code from} and {@code to}, in order. */
  List<Op> ops(long from, long to) {
    return ops.stream()
        .filter(o -> o.endNanos() >= from && o.endNanos() <= to)
        .sorted(Comparator.comparingLong(Op::endNanos))
        .toList();
  }

  /**
   * The figures of the window of {@code event}, from {@code from}, with {@code lostWrites}
   * acknowledged writes the final leader does not have: the leader's share of reads counts the
   * reads while a replica could serve them only; reads past the lag limit are those a member
   * lagging past it answered after it did.
   */
  Figures figures(long from, Scenario.Event event, long lostWrites) {
    long to = event.untilNanos();
    long replicaFitUntil = event.replicaFitUntilNanos();
    List<Op> window = ops(from, to);
    List<Op> writes = window.stream().filter(Op::write).toList();
    List<Op> reads = window.stream().filter(o -> !o.write()).toList();
    List<Op> fitReads =
        reads.stream().filter(o -> o.ok() && o.endNanos() <= replicaFitUntil).toList();
    long onLeader = fitReads.stream().filter(o -> o.outcome() == Outcome.OK_ON_LEADER).count();
    List<Op> stale =
        reads.stream()
            .filter(
                o ->
                    o.ok()
                        && o.port() == event.laggingPort()
                        && o.endNanos() >= event.laggingFromNanos())
            .toList();
    return new Figures(
        longestGap(writes, from, to),
        count(writes, o -> !o.ok()),
        count(writes, o -> o.outcome() == Outcome.MISROUTED),
        lostWrites,
        longestGap(reads, from, to),
        count(reads, o -> !o.ok()),
        fitReads.isEmpty() ? 0 : 100.0 * onLeader / fitReads.size(),
        stale.size(),
        stale.isEmpty()
            ? 0
            : (stale.get(stale.size() - 1).endNanos() - event.laggingFromNanos()) / 1_000_000);
  }

  private static long count(List<Op> ops, Predicate<Op> p) {
    return ops.stream().filter(p).count();
  }

  /**
   * The longest time in milliseconds without a successful operation, the window's ends included.
   */
  private static long longestGap(List<Op> ops, long from, long to) {
    return longestGapMs(ops.stream().filter(Op::ok).map(Op::endNanos).toList(), from, to);
  }

  /**
   * The longest time in milliseconds in {@code [from, to]} between successes ended at {@code nanos}
   * (in order, within the window), the window's ends included.
   */
  static long longestGapMs(List<Long> nanos, long from, long to) {
    long last = from;
    long longest = 0;
    for (long at : nanos) {
      longest = Math.max(longest, at - last);
      last = at;
    }
    return Math.max(longest, to - last) / 1_000_000;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(60_000);
    }
  }
}
