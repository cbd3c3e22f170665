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
import java.util.function.Function;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * Reading one's own write at once: each thread inserts a row through the method's write side and
 * reads it back through its read side straight after the commit. A read that does not find the row
 * is stale. Each method runs alone, with 1 and with 8 threads.
 */
final class ReadYourWrites {

  /**
   * One method at one thread count.
   *
   * @param method the method's name
   * @param threads threads writing and reading
   * @param reads reads that answered
   * @param stalePercent share of those that did not see the thread's write
   * @param replicaPercent share of those a replica answered
   * @param p50Micros median read latency (checkout to close)
   * @param p99Micros 99th percentile read latency
   * @param failed writes or reads that failed
   */
  record Row(
      String method,
      int threads,
      long reads,
      double stalePercent,
      double replicaPercent,
      double p50Micros,
      double p99Micros,
      long failed) {}

  static final int[] THREADS = {1, 8};

  private ReadYourWrites() {}

  /**
   * Runs each method that {@code methods} makes, alone, for {@code slice} per thread count, and
   * closes its pools before the next.
   */
  static List<Row> run(
      List<Function<Methods, Method>> methods, PatroniCluster cluster, Duration slice)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    for (Function<Methods, Method> make : methods) {
      try (Methods pools = new Methods(cluster)) {
        Method method = make.apply(pools);
        measure(method, 1, Duration.ofMillis(Math.min(1000, slice.toMillis()))); // warm-up
        for (int threads : THREADS) {
          rows.add(measure(method, threads, slice));
        }
      }
    }
    return rows;
  }

  private static Row measure(Method method, int threads, Duration slice)
      throws InterruptedException {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong stale = new AtomicLong();
    AtomicLong onReplica = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    long id = Load.nextId();
                    try (Connection c = method.writes().getConnection();
                        PreparedStatement ps =
                            c.prepareStatement("INSERT INTO bench (id) VALUES (?)")) {
                      ps.setLong(1, id);
                      ps.executeUpdate();
                    }
                    long started = System.nanoTime();
                    try (Connection c = method.reads().getConnection();
                        PreparedStatement ps =
                            c.prepareStatement(
                                "SELECT EXISTS (SELECT 1 FROM bench WHERE id = ?),"
                                    + " pg_is_in_recovery()")) {
                      ps.setLong(1, id);
                      try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                          stale.incrementAndGet();
                        }
                        if (rs.getBoolean(2)) {
                          onReplica.incrementAndGet();
                        }
                      }
                    }
                    latencies.add(System.nanoTime() - started);
                  } catch (SQLException e) {
                    failed.incrementAndGet();
                  }
                }
              },
              method.name() + "-ryw-" + i);
      t.setDaemon(true);
      all.add(t);
    }
    all.forEach(Thread::start);
    Thread.sleep(slice.toMillis());
    running.set(false);
    for (Thread t : all) {
      t.join(30_000);
    }
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    long reads = sorted.length;
    return new Row(
        method.name(),
        threads,
        reads,
        reads == 0 ? 0 : 100.0 * stale.get() / reads,
        reads == 0 ? 0 : 100.0 * onReplica.get() / reads,
        percentile(sorted, 0.50) / 1000.0,
        percentile(sorted, 0.99) / 1000.0,
        failed.get());
  }

  private static long percentile(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, p * sorted.length)];
  }
}
