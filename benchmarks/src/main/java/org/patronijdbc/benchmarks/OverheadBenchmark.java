package org.patronijdbc.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.Closeable;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * JMH: what patroni-jdbc adds to one pool checkout ({@code getConnection()} and {@code close()})
 * and to one statement on a checked-out connection ({@code SELECT 1}), against Hikari + pgjdbc
 * connected straight to the same leader.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OverheadBenchmark {

  static final String PLAIN = "Hikari + pgjdbc";
  private static final String PLAIN_ID = "plain";
  private static final String PATRONI_ID = "patroni";
  private static final String RYW_ID = "patroni-ryw";

  /** patroni-jdbc with {@code readYourWrites=thread}: what following commits costs reads. */
  static final String READ_YOUR_WRITES = Method.PATRONI + ", readYourWrites=thread";

  /**
   * One benchmark's score.
   *
   * @param benchmark {@code checkout} or {@code statement}
   * @param method {@link #PLAIN} or {@link Method#PATRONI}
   * @param microseconds mean time per operation
   * @param error the 99.9% confidence half-width JMH reports (NaN with one iteration)
   */
  record Row(String benchmark, String method, double microseconds, double error) {}

  /**
   * Which data source: plain Hikari + pgjdbc, patroni-jdbc, or patroni-jdbc following commits (with
   * no recent write: the cost every read pays).
   */
  @Param({PLAIN_ID, PATRONI_ID, RYW_ID})
  public String method;

  /** The patroni-jdbc URL of the cluster. */
  @Param("")
  public String patroniUrl;

  /** A pgjdbc URL of the leader. */
  @Param("")
  public String directUrl;

  /** A pgjdbc URL of a replica. */
  @Param("")
  public String replicaUrl;

  private DataSource dataSource;
  private DataSource readSource;
  private Closeable pool;
  private Connection held;

  /** Opens the pool and checks out the connection the statement benchmark uses. */
  @Setup(Level.Trial)
  public void open() throws SQLException {
    boolean patroni = !method.equals(PLAIN_ID);
    String url =
        method.equals(RYW_ID)
            ? patroniUrl + (patroniUrl.contains("?") ? "&" : "?") + "readYourWrites=thread"
            : patroni ? patroniUrl : directUrl;
    HikariConfig config = Methods.config(url, 2);
    if (patroni) {
      PatroniHikariDataSource ds = new PatroniHikariDataSource(config, 1);
      dataSource = ds;
      readSource = ds.readOnly();
      pool = ds;
    } else {
      HikariDataSource ds = new HikariDataSource(config);
      HikariDataSource reads = new HikariDataSource(Methods.config(replicaUrl, 1));
      dataSource = ds;
      readSource = reads;
      pool =
          () -> {
            reads.close();
            ds.close();
          };
    }
    held = dataSource.getConnection();
  }

  /** Returns the held connection and closes the pool. */
  @TearDown(Level.Trial)
  public void close() throws SQLException, IOException {
    held.close();
    pool.close();
  }

  /** One checkout and return to the pool. */
  @Benchmark
  public Connection checkout() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return c;
    }
  }

  /** One checkout and return on the read side (a replica's pool). */
  @Benchmark
  public Connection readCheckout() throws SQLException {
    try (Connection c = readSource.getConnection()) {
      return c;
    }
  }

  /** One {@code SELECT 1} on a connection already checked out. */
  @Benchmark
  public int statement() throws SQLException {
    try (PreparedStatement ps = held.prepareStatement("SELECT 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Runs both benchmarks for both methods against {@code cluster}'s leader. */
  static List<Row> run(PatroniCluster cluster, Settings settings) throws RunnerException {
    var leader = cluster.leader();
    OptionsBuilder options = new OptionsBuilder();
    options
        .include(OverheadBenchmark.class.getName() + "\\.")
        .param("patroniUrl", cluster.jdbcUrl("postgres"))
        .param(
            "directUrl", "jdbc:postgresql://" + leader.host() + ":" + leader.pgPort() + "/postgres")
        .param(
            "replicaUrl",
            "jdbc:postgresql://"
                + cluster.replicas().get(0).host()
                + ":"
                + cluster.replicas().get(0).pgPort()
                + "/postgres")
        .forks(settings.jmhForks())
        .threads(1)
        .warmupIterations(settings.jmhIterations())
        .warmupTime(TimeValue.milliseconds(settings.jmhTime().toMillis()))
        .measurementIterations(settings.jmhIterations())
        .measurementTime(TimeValue.milliseconds(settings.jmhTime().toMillis()))
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT);
    Collection<RunResult> results = new Runner(options.build()).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      rows.add(
          new Row(
              name.substring(name.lastIndexOf('.') + 1),
              switch (r.getParams().getParam("method")) {
                case PATRONI_ID -> Method.PATRONI;
                case RYW_ID -> READ_YOUR_WRITES;
                default -> PLAIN;
              },
              r.getPrimaryResult().getScore(),
              r.getPrimaryResult().getScoreError()));
    }
    return rows;
  }
}
