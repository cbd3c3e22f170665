package org.patronijdbc.hikari;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Writers and readers through two data sources, each operation recorded with what the server said
 * about itself (inet_server_port(), pg_is_in_recovery()) or the SQLState it failed with.
 */
final class Workload implements AutoCloseable {

  /** One operation: when it started and ended, where it ran, or how it failed. */
  record Op(
      boolean write,
      long startNanos,
      long endNanos,
      int port,
      boolean inRecovery,
      String sqlState) {
    boolean ok() {
      return sqlState == null;
    }
  }

  private static final AtomicLong ids = new AtomicLong();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  static void createTable(DataSource writes) throws SQLException {
    try (Connection c = writes.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS workload (id bigint PRIMARY KEY, port int)");
    }
  }

  Workload(DataSource writes, DataSource reads, int writers, int readers) {
    for (int i = 0; i < writers; i++) {
      threads.add(start("writer-" + i, () -> loop(writes, true)));
    }
    for (int i = 0; i < readers; i++) {
      threads.add(start("reader-" + i, () -> loop(reads, false)));
    }
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.start();
    return t;
  }

  private void loop(DataSource ds, boolean write) {
    while (running.get()) {
      long start = System.nanoTime();
      try (Connection c = ds.getConnection()) {
        int port;
        boolean inRecovery;
        if (write) {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO workload VALUES (?, inet_server_port()) RETURNING port, pg_is_in_recovery()")) {
            ps.setLong(1, ids.incrementAndGet());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              port = rs.getInt(1);
              inRecovery = rs.getBoolean(2);
            }
          }
        } else {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
            rs.next();
            port = rs.getInt(1);
            inRecovery = rs.getBoolean(2);
          }
        }
        ops.add(new Op(write, start, System.nanoTime(), port, inRecovery, null));
      } catch (SQLException e) {
        ops.add(
            new Op(write, start, System.nanoTime(), -1, false, String.valueOf(e.getSQLState())));
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Every operation recorded so far. */
  List<Op> ops() {
    return List.copyOf(ops);
  }

  List<Op> writes() {
    return ops().stream().filter(Op::write).toList();
  }

  List<Op> reads() {
    return ops().stream().filter(o -> !o.write()).toList();
  }

  /** The longest time without a successful operation of this kind, between the first and last. */
  static Duration longestGap(List<Op> ops) {
    List<Long> ends = ops.stream().filter(Op::ok).map(Op::endNanos).sorted().toList();
    long gap = 0;
    for (int i = 1; i < ends.size(); i++) {
      gap = Math.max(gap, ends.get(i) - ends.get(i - 1));
    }
    return Duration.ofNanos(gap);
  }

  /** Stops every thread; fails when one does not stop within {@code timeout} (it is stuck). */
  @Override
  public void close() throws InterruptedException {
    stop(Duration.ofSeconds(30));
  }

  void stop(Duration timeout) throws InterruptedException {
    running.set(false);
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " is still blocked after " + timeout);
      }
    }
  }
}
