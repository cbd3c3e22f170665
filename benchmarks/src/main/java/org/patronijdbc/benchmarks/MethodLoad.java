package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/** One method's writers, each write recorded with its end time and outcome. */
final class MethodLoad implements AutoCloseable {

  /** A write: when it ended, whether it succeeded, whether it reached a standby. */
  record Write(long endNanos, boolean ok, boolean misrouted) {}

  private static final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);
  private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  MethodLoad(String name, DataSource ds, int writers) {
    for (int i = 0; i < writers; i++) {
      Thread t = new Thread(() -> loop(ds), name + "-writer-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  private void loop(DataSource ds) {
    while (running.get()) {
      try (Connection c = ds.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO bench (id) VALUES (?) RETURNING pg_is_in_recovery()")) {
        ps.setLong(1, ids.incrementAndGet());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          boolean standby = rs.getBoolean(1);
          writes.add(new Write(System.nanoTime(), !standby, standby));
        }
      } catch (SQLException e) {
        writes.add(new Write(System.nanoTime(), false, "25006".equals(e.getSQLState())));
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Longest time without a successful write between {@code from} and {@code to}. */
  Duration outage(long from, long to) {
    long last = from;
    long longest = 0;
    for (Write w :
        writes.stream()
            .filter(w -> w.ok() && w.endNanos() >= from && w.endNanos() <= to)
            .sorted((a, b) -> Long.compare(a.endNanos(), b.endNanos()))
            .toList()) {
      longest = Math.max(longest, w.endNanos() - last);
      last = w.endNanos();
    }
    return Duration.ofNanos(Math.max(longest, to - last));
  }

  long failed(long from, long to) {
    return writes.stream()
        .filter(w -> !w.ok() && w.endNanos() >= from && w.endNanos() <= to)
        .count();
  }

  long misrouted(long from, long to) {
    return writes.stream()
        .filter(w -> w.misrouted() && w.endNanos() >= from && w.endNanos() <= to)
        .count();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
