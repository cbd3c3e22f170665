package org.patronijdbc.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.sql.DataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * What each method costs the servers for the same pool configuration: the client sessions it holds
 * on all members while its pools are busy, and the server transactions one read transaction makes
 * when it runs the way Spring runs a read-only transaction ({@code setReadOnly(true)}, auto-commit
 * off, the query, commit, and both back). Each method runs alone; what runs besides (Patroni's own
 * sessions, the other methods' idle pools) is measured without it and taken out.
 */
final class Cost {

  /** Every pool of the comparison: as the measurement ({@code maximumPoolSize=10}). */
  static final int POOL_SIZE = 10;

  private static final int READ_TRANSACTIONS = 500;

  /**
   * One method's cost.
   *
   * @param method the method's name
   * @param sessions client sessions it held on all members together
   * @param transactionsPerRead server transactions per read transaction run as Spring runs it
   */
  record Row(String method, long sessions, double transactionsPerRead) {}

  private Cost() {}

  static List<Row> run(PatroniCluster cluster, List<Function<Methods, Method>> methods)
      throws Exception {
    double background = backgroundTransactionsPerSecond(cluster);
    List<Row> rows = new ArrayList<>();
    for (Function<Methods, Method> make : methods) {
      Thread.sleep(1000); // the previous method's sessions have ended on the servers
      long before = sessions(cluster);
      long held;
      String name;
      try (Methods pools = new Methods(cluster)) {
        Method method = make.apply(pools);
        name = method.name();
        held = busySessions(cluster, method) - before;
      }
      // on fresh pools, closed before the count: a backend that exits reports what it counted,
      // one that stays may hold its counts back for up to 10 s (PostgreSQL 15's idle interval)
      long start = transactions(cluster);
      long t0 = System.nanoTime();
      try (Methods pools = new Methods(cluster)) {
        Method method = make.apply(pools);
        for (int i = 0; i < READ_TRANSACTIONS; i++) {
          springReadTransaction(method.reads());
        }
      }
      long end = transactions(cluster);
      double noise = background * (System.nanoTime() - t0) / 1e9;
      rows.add(new Row(name, held, (end - start - noise) / READ_TRANSACTIONS));
    }
    return rows;
  }

  /** Client sessions while {@link #POOL_SIZE} writers and as many readers keep every pool busy. */
  private static long busySessions(PatroniCluster cluster, Method method) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2 * POOL_SIZE; i++) {
      DataSource ds = i < POOL_SIZE ? method.writes() : method.reads();
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try (Connection c = ds.getConnection();
                      Statement s = c.createStatement()) {
                    s.execute("SELECT pg_sleep(0.005)");
                  } catch (SQLException e) {
                    // counted nowhere: sessions are what this measures
                  }
                }
              },
              method.name() + "-cost-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    try {
      Thread.sleep(3000); // pools filled
      return sessions(cluster);
    } finally {
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
    }
  }

  private static void springReadTransaction(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("SELECT v FROM bench_read WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
        }
      }
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
    }
  }

  /** Client sessions on every member, this query's own left out. */
  private static long sessions(PatroniCluster cluster) throws SQLException {
    return sum(
        cluster,
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            + " AND pid <> pg_backend_pid()");
  }

  /** Transactions ended on every member, as each backend reported them. */
  private static long transactions(PatroniCluster cluster) throws Exception {
    Thread.sleep(1500); // backends that just exited have reported
    return sum(cluster, "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database");
  }

  private static double backgroundTransactionsPerSecond(PatroniCluster cluster) throws Exception {
    long start = transactions(cluster);
    long t0 = System.nanoTime();
    Thread.sleep(12_000); // longer than a backend may hold its counts back
    long end = transactions(cluster);
    return (end - start) / ((System.nanoTime() - t0) / 1e9);
  }

  private static long sum(PatroniCluster cluster, String sql) throws SQLException {
    long total = 0;
    for (Member m : cluster.members()) {
      try (Connection c = cluster.connect(m);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        total += rs.getLong(1);
      }
    }
    return total;
  }
}
