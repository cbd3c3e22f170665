package org.patronijdbc.examples;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The demo's mixed workload: writer threads insert rows through one data source, reader threads
 * select through another; every operation records the server port that served it and whether that
 * server was in recovery, or the SQLState it failed with.
 */
final class DemoWorkload implements AutoCloseable {

  /** One operation. {@code misrouted}: a write that reached a standby (25006 or in recovery). */
  record Op(boolean write, long endNanos, int port, String sqlState, boolean misrouted) {
    boolean ok() {
      return sqlState == null && !misrouted;
    }
  }

  /** Counts over a time window. */
  record Window(
      int writes,
      int reads,
      int failedWrites,
      int failedReads,
      int misroutedWrites,
      long writeOutageMs,
      List<Integer> writePorts,
      List<Integer> readPorts) {}

  private static final String TABLE = "patroni_jdbc_demo";
  private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  DemoWorkload(DataSource writes, DataSource reads, int writers, int readers) throws SQLException {
    try (Connection c = writes.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
    }
    for (int i = 0; i < writers; i++) {
      threads.add(start("demo-writer-" + i, () -> loop(writes, true)));
    }
    for (int i = 0; i < readers; i++) {
      threads.add(start("demo-reader-" + i, () -> loop(reads, false)));
    }
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void loop(DataSource ds, boolean write) {
    String sql =
        write
            ? "INSERT INTO "
                + TABLE
                + " (id) VALUES (?) RETURNING inet_server_port(), pg_is_in_recovery()"
            : "SELECT inet_server_port(), pg_is_in_recovery()";
    while (running.get()) {
      try (Connection c = ds.getConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        if (write) {
          ps.setLong(1, ids.incrementAndGet());
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          ops.add(new Op(write, System.nanoTime(), rs.getInt(1), null, write && rs.getBoolean(2)));
        }
      } catch (SQLException e) {
        String state = String.valueOf(e.getSQLState());
        ops.add(new Op(write, System.nanoTime(), -1, state, write && state.equals("25006")));
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** What happened between {@code from} and {@code to} (System.nanoTime()). */
  Window window(long from, long to) {
    int writes = 0;
    int reads = 0;
    int failedWrites = 0;
    int failedReads = 0;
    int misrouted = 0;
    long lastWrite = from;
    long outage = 0;
    List<Integer> writePorts = new ArrayList<>();
    List<Integer> readPorts = new ArrayList<>();
    List<Op> inWindow =
        ops.stream()
            .filter(o -> o.endNanos() >= from && o.endNanos() < to)
            .sorted((a, b) -> Long.compare(a.endNanos(), b.endNanos()))
            .toList();
    for (Op o : inWindow) {
      if (o.misrouted()) {
        misrouted++;
      }
      if (o.write()) {
        if (o.ok()) {
          writes++;
          outage = Math.max(outage, o.endNanos() - lastWrite);
          lastWrite = o.endNanos();
          writePorts.add(o.port());
        } else {
          failedWrites++;
        }
      } else if (o.ok()) {
        reads++;
        readPorts.add(o.port());
      } else {
        failedReads++;
      }
    }
    outage = Math.max(outage, to - lastWrite);
    return new Window(
        writes,
        reads,
        failedWrites,
        failedReads,
        misrouted,
        outage / 1_000_000,
        writePorts,
        readPorts);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
