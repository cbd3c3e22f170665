package org.patronijdbc.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Switchover write outage, side by side in one run: patroni-jdbc, Hikari over a pgjdbc multi-host
 * URL, Hikari through HAProxy (the background documents' configuration), and an "oracle" that opens
 * a fresh connection per write, trying every node each time. Each method runs its own writers at
 * the same time during the same switchovers; the median over the repetitions is reported. It
 * measures; it never fails on a number.
 */
public final class FailoverBenchmark {

  /** One method's figures, each a median over the repetitions. */
  public record Row(String method, long writeOutageMs, long failedWrites, long misroutedWrites) {}

  private FailoverBenchmark() {}

  /**
   * Runs the benchmark and writes the table to {@code benchmarks/results/switchover.md}.
   *
   * @param args {@code [repetitions]} (default 3)
   */
  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Row> rows = run(repetitions, Duration.ofSeconds(8));
    String table = table(rows, repetitions);
    System.out.println(table);
    Path results = Path.of("benchmarks", "results");
    Files.createDirectories(results);
    Files.writeString(results.resolve("switchover.md"), table);
  }

  /** {@code repetitions} switchovers, each watched for {@code observe}. */
  public static List<Row> run(int repetitions, Duration observe) throws Exception {
    Map<String, List<long[]>> samples = new LinkedHashMap<>();
    try (PatroniCluster cluster = PatroniCluster.builder().ttl(10).loopWait(1).start();
        Haproxy haproxy =
            Haproxy.start(cluster.members(), cluster.directory().resolve("haproxy"))) {
      createTable(cluster);
      Map<String, DataSource> methods = new LinkedHashMap<>();
      List<AutoCloseable> closeables = new ArrayList<>();
      PatroniHikariDataSource patroni =
          new PatroniHikariDataSource(
              cluster.jdbcUrl("postgres"), PatroniCluster.SUPERUSER, PatroniCluster.PASSWORD);
      closeables.add(patroni);
      methods.put("patroni-jdbc", patroni);
      methods.put(
          "Hikari + pgjdbc multi-host",
          hikari(cluster.multiHostJdbcUrl("postgres", "targetServerType=primary"), closeables));
      methods.put(
          "Hikari + HAProxy",
          hikari("jdbc:postgresql://127.0.0.1:" + haproxy.writePort + "/postgres", closeables));
      methods.put("oracle (fresh connection, every node)", oracle(cluster));
      try {
        for (int rep = 0; rep < repetitions; rep++) {
          List<MethodLoad> loads = new ArrayList<>();
          methods.forEach((name, ds) -> loads.add(new MethodLoad(name, ds, 4)));
          Thread.sleep(3000);
          long from = System.nanoTime();
          Member candidate = cluster.replicas().get(0);
          cluster.switchover(candidate);
          Thread.sleep(observe.toMillis());
          long to = System.nanoTime();
          int i = 0;
          for (String name : methods.keySet()) {
            MethodLoad load = loads.get(i++);
            load.close();
            samples
                .computeIfAbsent(name, n -> new ArrayList<>())
                .add(
                    new long[] {
                      load.outage(from, to).toMillis(),
                      load.failed(from, to),
                      load.misrouted(from, to)
                    });
          }
          cluster.awaitHealthy(Duration.ofSeconds(120));
        }
      } finally {
        for (AutoCloseable c : closeables) {
          c.close();
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    samples.forEach((name, s) -> rows.add(new Row(name, median(s, 0), median(s, 1), median(s, 2))));
    return rows;
  }

  static String table(List<Row> rows, int repetitions) {
    long oracle =
        rows.stream()
            .filter(r -> r.method().startsWith("oracle"))
            .mapToLong(Row::writeOutageMs)
            .findFirst()
            .orElse(1);
    StringBuilder sb =
        new StringBuilder("Switchover, 4 writers per method, median of ")
            .append(repetitions)
            .append(" (")
            .append(LocalDate.now())
            .append(", ")
            .append(Runtime.getRuntime().availableProcessors())
            .append(" cores, testkit cluster ttl 10 s, loop_wait 1 s)\n\n")
            .append(
                "| method | write outage | × oracle | failed writes | misrouted writes (25006) |\n")
            .append("|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              "| %s | %d ms | %.2f | %d | %d |%n",
              r.method(),
              r.writeOutageMs(),
              r.writeOutageMs() / (double) Math.max(1, oracle),
              r.failedWrites(),
              r.misroutedWrites()));
    }
    return sb.toString();
  }

  private static long median(List<long[]> samples, int column) {
    long[] values = samples.stream().mapToLong(s -> s[column]).sorted().toArray();
    return values[values.length / 2];
  }

  private static DataSource hikari(String url, List<AutoCloseable> closeables) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(4);
    HikariDataSource ds = new HikariDataSource(config);
    closeables.add(ds);
    return ds;
  }

  private static DataSource oracle(PatroniCluster cluster) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(
        cluster.multiHostJdbcUrl(
            "postgres",
            "targetServerType=primary",
            "hostRecheckSeconds=0",
            "loginTimeout=2",
            "connectTimeout=2"));
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    return ds;
  }

  private static void createTable(PatroniCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS bench (id bigint PRIMARY KEY)");
    }
  }
}
