package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Steady-state throughput: each method in turn runs SELECT by primary key on its read data source,
 * then single-row INSERTs on its write data source, with the same threads for the same time. The
 * order of the methods rotates from round to round, so drift of the machine hits each alike.
 */
final class SteadyState {

  /** The two operations compared. */
  enum Operation {
    READ("SELECT by primary key"),
    WRITE("single-row INSERT");

    final String description;

    Operation(String description) {
      this.description = description;
    }
  }

  /**
   * One method's throughput for one operation.
   *
   * @param method the method's name
   * @param operation what it ran
   * @param opsPerSecond median over the rounds
   * @param ratioToDirect median over the rounds of its throughput over the direct baseline's
   * @param errors operations that failed, over all rounds
   */
  record Row(
      String method, Operation operation, double opsPerSecond, double ratioToDirect, long errors) {}

  private SteadyState() {}

  /** Runs every round; {@code methods} must include {@link Method#DIRECT}. */
  static List<Row> run(List<Method> methods, Settings settings) throws InterruptedException {
    List<Row> rows = new ArrayList<>();
    for (Operation op : Operation.values()) {
      Map<String, List<Double>> throughput = new LinkedHashMap<>();
      Map<String, List<Double>> ratios = new LinkedHashMap<>();
      Map<String, Long> errors = new LinkedHashMap<>();
      List<Method> order = new ArrayList<>(methods);
      for (Method m : order) {
        measure(m, op, settings); // warm-up: pools filled, statements prepared, JIT compiled
      }
      for (int round = 0; round < settings.steadyRounds(); round++) {
        Map<String, Double> thisRound = new LinkedHashMap<>();
        for (Method m : order) {
          long[] counts = measure(m, op, settings);
          double perSecond = counts[0] / (settings.steadySlice().toMillis() / 1000.0);
          thisRound.put(m.name(), perSecond);
          errors.merge(m.name(), counts[1], Long::sum);
        }
        double direct = thisRound.get(Method.DIRECT);
        thisRound.forEach(
            (name, perSecond) -> {
              throughput.computeIfAbsent(name, n -> new ArrayList<>()).add(perSecond);
              ratios.computeIfAbsent(name, n -> new ArrayList<>()).add(perSecond / direct);
            });
        Collections.rotate(order, 1);
      }
      for (Method m : methods) {
        rows.add(
            new Row(
                m.name(),
                op,
                Figures.median(throughput.get(m.name()), Double::doubleValue),
                Figures.median(ratios.get(m.name()), Double::doubleValue),
                errors.get(m.name())));
      }
    }
    return rows;
  }

  /** {@code {successful operations, failed operations}} of one method in one slice. */
  private static long[] measure(Method method, Operation op, Settings settings)
      throws InterruptedException {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    DataSource ds = op == Operation.READ ? method.reads() : method.writes();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < settings.writers(); i++) {
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    once(ds, op);
                    ok.incrementAndGet();
                  } catch (SQLException e) {
                    failed.incrementAndGet();
                  }
                }
              },
              method.name() + "-steady-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    Thread.sleep(settings.steadySlice().toMillis());
    long done = ok.get();
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    return new long[] {done, failed.get()};
  }

  private static void once(DataSource ds, Operation op) throws SQLException {
    try (Connection c = ds.getConnection()) {
      if (op == Operation.READ) {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM bench_read WHERE id = ?")) {
          ps.setInt(1, ThreadLocalRandom.current().nextInt(Load.READ_ROWS));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
          }
        }
      } else {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench (id) VALUES (?)")) {
          ps.setLong(1, Load.nextId());
          ps.executeUpdate();
        }
      }
    }
  }
}
