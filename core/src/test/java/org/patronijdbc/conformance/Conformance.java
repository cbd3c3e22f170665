package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DynamicTest;
import org.patronijdbc.PatroniConnection;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * Runs each conformance check twice, on a plain pgjdbc connection straight to the leader and on a
 * {@code jdbc:patroni:} connection to the same leader, and fails on any difference. Each run gets a
 * fresh schema {@value #SCHEMA} (the connections' {@code currentSchema}), made ready by a separate
 * admin connection so the connection under test starts as a new one would.
 *
 * <p>Results are compared as plain values ({@link Values#normalise}): rows, counts, booleans, the
 * SQLState of a thrown {@link SQLException}; never object identities across the two runs. Checks
 * that are about one run's own objects (identity, the URL it was opened with) assert per run
 * ({@link #eachSide}).
 */
final class Conformance implements AutoCloseable {

  /** The schema every run works in, dropped and created again before each run. */
  static final String SCHEMA = "conformance";

  private static final AtomicInteger CHECKS = new AtomicInteger();
  private static final Set<String> CLASSES = ConcurrentHashMap.newKeySet();

  /** The two ways to the same leader. */
  enum Side {
    PLAIN("plain pgjdbc"),
    PATRONI("jdbc:patroni:");

    final String label;

    Side(String label) {
      this.label = label;
    }
  }

  /** A check's body: what it returns is compared between the two runs. */
  @FunctionalInterface
  interface SqlFunction<T, R> {
    R apply(T t) throws Exception;
  }

  /** A per-run check: asserts on its own, for what cannot be compared between runs. */
  @FunctionalInterface
  interface SideCheck {
    void run(Side side, Conformance conformance) throws Exception;
  }

  private final PatroniCluster cluster;
  private final PatroniDataSource dataSource;
  private final List<AutoCloseable> opened = new ArrayList<>();

  Conformance(PatroniCluster cluster, Class<?> suite) {
    this.cluster = cluster;
    this.dataSource = new PatroniDataSource(url(Side.PATRONI));
    dataSource.setUser(PatroniCluster.SUPERUSER);
    dataSource.setPassword(PatroniCluster.PASSWORD);
    CLASSES.add(suite.getName());
  }

  /** The URL each side connects with; the plain one names the leader only. */
  String url(Side side) {
    return url(side, "postgres");
  }

  /** The URL each side connects to {@code database} with. */
  String url(Side side, String database) {
    if (side == Side.PLAIN) {
      Member leader = cluster.leader();
      return "jdbc:postgresql://"
          + leader.host()
          + ":"
          + leader.pgPort()
          + "/"
          + database
          + "?currentSchema="
          + SCHEMA;
    }
    return cluster.jdbcUrl(database, "currentSchema=" + SCHEMA);
  }

  /** A new connection: DriverManager for plain pgjdbc, the shared PatroniDataSource otherwise. */
  Connection open(Side side) throws SQLException {
    Connection c =
        side == Side.PLAIN
            ? DriverManager.getConnection(
                url(side), PatroniCluster.SUPERUSER, PatroniCluster.PASSWORD)
            : dataSource.getConnection();
    if (side == Side.PATRONI) {
      // the comparison means something only when both runs talk to the same server
      assertThat(c.unwrap(PatroniConnection.class).memberName())
          .as("the jdbc:patroni: connection is on the leader")
          .isEqualTo(cluster.leader().name());
    }
    return c;
  }

  /**
   * A new connection through {@link DriverManager} on both sides, with the superuser's credentials
   * and {@code extra} (which wins) as connection properties.
   */
  Connection open(Side side, Properties extra) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", PatroniCluster.SUPERUSER);
    p.setProperty("password", PatroniCluster.PASSWORD);
    p.putAll(extra);
    return DriverManager.getConnection(url(side), p);
  }

  /**
   * The rows {@code sql} returns on a plain connection of its own: what the database holds, as any
   * other session sees it, whichever side a check runs on.
   */
  List<Object> observe(String sql) throws SQLException {
    try (Connection c = open(Side.PLAIN)) {
      return Values.query(c, sql);
    }
  }

  /** A new connection through a PatroniDataSource of its own with {@code extra} properties. */
  Connection openDataSource(Properties extra) throws SQLException {
    return openDataSource(url(Side.PATRONI), extra);
  }

  /**
   * A new {@code jdbc:patroni:} connection through a data source of its own whose REST API is a
   * closed local port: the library finds the leader by probing the URL's hosts, on threads of its
   * own.
   */
  Connection openWithoutRest(Properties extra) throws SQLException, IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String hosts = cluster.multiHostJdbcUrl("postgres", "currentSchema=" + SCHEMA);
    String url =
        "jdbc:patroni:"
            + hosts.substring("jdbc:".length())
            + "&patroniUrls=http://127.0.0.1:"
            + closedPort;
    return openDataSource(url, extra);
  }

  private Connection openDataSource(String url, Properties extra) throws SQLException {
    PatroniDataSource ds = new PatroniDataSource(url);
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    extra.forEach((k, v) -> ds.setProperty((String) k, (String) v));
    synchronized (opened) {
      opened.add(ds);
    }
    return ds.getConnection();
  }

  /** A check that compares what {@code body} returns on both runs. */
  DynamicTest check(String name, SqlFunction<Connection, Object> body) {
    return check(name, "", body);
  }

  /**
   * A check that compares what {@code body} returns on both runs; {@code fixture} is SQL run by the
   * admin connection in the fresh schema before each run.
   */
  DynamicTest check(String name, String fixture, SqlFunction<Connection, Object> body) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          CHECKS.incrementAndGet();
          Object plain = run(Side.PLAIN, fixture, body);
          Object patroni = run(Side.PATRONI, fixture, body);
          dump(name, plain);
          assertThat(patroni)
              .as("%s: jdbc:patroni: differs from plain pgjdbc", name)
              .isEqualTo(plain);
        });
  }

  /**
   * A check whose body opens its own connections for the side it is given (login properties, other
   * databases): what it returns is compared between the two runs.
   */
  DynamicTest checkLogin(String name, SqlFunction<Side, Object> body) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          CHECKS.incrementAndGet();
          List<Object> results = new ArrayList<>();
          for (Side side : Side.values()) {
            freshSchema("");
            results.add(Values.attempt(() -> body.apply(side)));
          }
          dump(name, results.get(0));
          assertThat(results.get(1))
              .as("%s: jdbc:patroni: differs from plain pgjdbc", name)
              .isEqualTo(results.get(0));
        });
  }

  /** A check that asserts on its own on each run; both runs are made, and both reported. */
  DynamicTest eachSide(String name, String fixture, SideCheck body) {
    return DynamicTest.dynamicTest(
        name,
        () -> {
          CHECKS.incrementAndGet();
          List<String> failures = new ArrayList<>();
          for (Side side : Side.values()) {
            freshSchema(fixture);
            try {
              body.run(side, this);
            } catch (AssertionError | Exception e) {
              failures.add(side.label + ": " + e);
            }
          }
          assertThat(failures).as("%s fails", name).isEmpty();
        });
  }

  /** With -Dconformance.dump=true, what plain pgjdbc answered, to read what a check compares. */
  private static void dump(String name, Object plain) {
    if (Boolean.getBoolean("conformance.dump")) {
      System.out.println("conformance check \"" + name + "\": " + plain);
    }
  }

  private Object run(Side side, String fixture, SqlFunction<Connection, Object> body)
      throws Exception {
    freshSchema(fixture);
    try (Connection c = open(side)) {
      return Values.attempt(() -> body.apply(c));
    }
  }

  /** Drops and creates {@value #SCHEMA}, then runs {@code fixture} in it, on a plain connection. */
  void freshSchema(String fixture) throws SQLException {
    try (Connection admin = open(Side.PLAIN);
        Statement s = admin.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      s.execute("CREATE SCHEMA " + SCHEMA);
      if (!fixture.isBlank()) {
        s.execute(fixture);
      }
    }
  }

  @Override
  public void close() {
    synchronized (opened) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception ignored) {
          // the data sources of single checks; nothing to report at the end of the class
        }
      }
    }
    dataSource.close();
    System.out.printf("Conformance: %d checks, %d classes%n", CHECKS.get(), CLASSES.size());
  }
}
