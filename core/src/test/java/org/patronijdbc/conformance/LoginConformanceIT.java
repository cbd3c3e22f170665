package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.query;

import java.net.BindException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.conformance.Conformance.Side;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

/**
 * Opening a connection (DriverManager, the connection properties pgjdbc reads at login, login
 * failures), and two local set-ups the login must honour the way pgjdbc does: a socket factory only
 * the context class loader sees, and a local address this host cannot bind.
 */
@PatroniTest
class LoginConformanceIT {

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, LoginConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  private static Properties props(String... keysAndValues) {
    Properties p = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return p;
  }

  @TestFactory
  Stream<DynamicTest> loginProperties() {
    Conformance c = conformance;
    return Stream.of(
        c.checkLogin(
            "a DriverManager connection starts in the same session state",
            side -> {
              try (Connection con = c.open(side, new Properties())) {
                return all(
                    query(
                        con,
                        "SELECT current_user, current_database(), current_schema(),"
                            + " inet_server_port(), pg_is_in_recovery(),"
                            + " current_setting('application_name')"),
                    con.getAutoCommit(),
                    con.isReadOnly(),
                    con.getTransactionIsolation(),
                    con.getHoldability(),
                    con.getNetworkTimeout(),
                    con.getClientInfo());
              }
            }),
        c.checkLogin(
            "a wrong password fails with 28P01",
            side -> c.open(side, props("password", "not-the-password"))),
        c.checkLogin(
            "a database that does not exist fails with 3D000",
            side ->
                DriverManager.getConnection(
                    c.url(side, "no_such_database"),
                    PatroniCluster.SUPERUSER,
                    PatroniCluster.PASSWORD)),
        c.checkLogin(
            "ApplicationName and options reach the session",
            side -> {
              try (Connection con =
                  c.open(
                      side,
                      props(
                          "ApplicationName", "conformance-login",
                          "options", "-c statement_timeout=1234 -c work_mem=5MB"))) {
                return all(
                    con.getClientInfo("ApplicationName"),
                    query(
                        con,
                        "SELECT current_setting('application_name'),"
                            + " current_setting('statement_timeout'), current_setting('work_mem')"));
              }
            }),
        c.checkLogin(
            "the readOnly property makes the connection read-only",
            side -> {
              try (Connection con = c.open(side, props("readOnly", "true"))) {
                con.setAutoCommit(false);
                Object write =
                    attempt(
                        () -> {
                          try (Statement s = con.createStatement()) {
                            return s.executeUpdate("CREATE TABLE t (a int)");
                          }
                        });
                con.rollback();
                return all(con.isReadOnly(), write);
              }
            }),
        c.checkLogin(
            "defaultRowFetchSize, prepareThreshold and autosave are pgjdbc's",
            side -> {
              try (Connection con =
                  c.open(
                      side,
                      props(
                          "defaultRowFetchSize", "17",
                          "prepareThreshold", "1",
                          "autosave", "always"))) {
                PGConnection pg = con.unwrap(PGConnection.class);
                List<Object> out = new ArrayList<>();
                out.add(all(pg.getDefaultFetchSize(), pg.getPrepareThreshold(), pg.getAutosave()));
                try (Statement s = con.createStatement()) {
                  out.add(s.getFetchSize());
                }
                try (PreparedStatement ps = con.prepareStatement("SELECT ?::int")) {
                  ps.setInt(1, 1);
                  ps.executeQuery().close();
                  out.add(ps.unwrap(PGStatement.class).isUseServerPrepare());
                }
                con.setAutoCommit(false);
                out.add(attempt(() -> query(con, "SELECT 1/0")));
                // with autosave=always the transaction survives the error
                out.add(attempt(() -> query(con, "SELECT 2")));
                con.rollback();
                return out;
              }
            }),
        c.checkLogin(
            "stringtype=unspecified lets setString bind to any type",
            side -> {
              try (Connection con = c.open(side, props("stringtype", "unspecified"));
                  PreparedStatement ps = con.prepareStatement("SELECT ? + 1, ?::date")) {
                ps.setString(1, "41");
                ps.setString(2, "2024-05-06");
                return Values.rows(ps.executeQuery());
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> socketFactoryFromTheContextClassLoader() {
    Conformance c = conformance;
    return Stream.of(
        c.eachSide(
            "a socketFactory only the context class loader sees is used (DriverManager)",
            "",
            (side, conf) -> assertFactoryUsed(() -> conf.open(side, factory()))),
        c.eachSide(
            "a socketFactory only the context class loader sees is used (data source)",
            "",
            (side, conf) ->
                assertFactoryUsed(
                    () ->
                        side == Side.PLAIN
                            ? conf.open(side, factory())
                            : conf.openDataSource(factory()))),
        c.eachSide(
            "a socketFactory only the context class loader sees is used (hosts probed, no REST)",
            "",
            (side, conf) ->
                assertFactoryUsed(
                    () ->
                        side == Side.PLAIN
                            ? conf.open(side, factory())
                            : conf.openWithoutRest(factory()))));
  }

  private static Properties factory() {
    return props("socketFactory", ContextOnlySocketFactory.NAME);
  }

  @FunctionalInterface
  private interface Opener {
    Connection open() throws Exception;
  }

  private static void assertFactoryUsed(Opener opener) throws Exception {
    ClassLoader loader = ContextOnlySocketFactory.loader();
    assertThatThrownBy(() -> Class.forName(ContextOnlySocketFactory.NAME))
        .as("the factory is not on the test's class path")
        .isInstanceOf(ClassNotFoundException.class);
    int created = ContextOnlySocketFactory.created();
    int sockets = ContextOnlySocketFactory.sockets();
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try (Connection con = opener.open()) {
      assertThat(query(con, "SELECT 'through the factory'"))
          .as("a query on the connection")
          .hasSize(2);
    } finally {
      thread.setContextClassLoader(previous);
    }
    assertThat(ContextOnlySocketFactory.created() - created)
        .as("socket factories made for the login")
        .isPositive();
    assertThat(ContextOnlySocketFactory.sockets() - sockets)
        .as("sockets the factory made for the login")
        .isPositive();
  }

  @TestFactory
  Stream<DynamicTest> localAddressThatCannotBeBound() {
    Conformance c = conformance;
    return Stream.of(
        c.eachSide(
            "a localSocketAddress this host cannot bind fails at once (DriverManager)",
            "",
            (side, conf) -> assertBindFailsAtOnce(side, () -> conf.open(side, unbindable()))),
        c.eachSide(
            "a localSocketAddress this host cannot bind fails at once (data source)",
            "",
            (side, conf) ->
                assertBindFailsAtOnce(
                    side,
                    () ->
                        side == Side.PLAIN
                            ? conf.open(side, unbindable())
                            : conf.openDataSource(unbindable()))),
        c.eachSide(
            "a localSocketAddress this host cannot bind fails at once (hosts probed, no REST)",
            "",
            (side, conf) ->
                assertBindFailsAtOnce(
                    side,
                    () ->
                        side == Side.PLAIN
                            ? conf.open(side, unbindable())
                            : conf.openWithoutRest(unbindable()))));
  }

  /** 192.0.2.1 (TEST-NET-1) is no address of this host: the bind fails, no packet is sent. */
  private static Properties unbindable() {
    return props("localSocketAddress", "192.0.2.1");
  }

  private static void assertBindFailsAtOnce(Side side, Opener opener) {
    long start = System.nanoTime();
    SQLException e = catchThrowableOfType(SQLException.class, () -> opener.open().close());
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat((Throwable) e).as("the connect fails").isNotNull();
    assertThat(ms).as("ms until the failure").isLessThan(2500);
    assertThat(causes(e).stream().anyMatch(t -> t instanceof BindException))
        .as("a BindException in the cause chain of %s", e)
        .isTrue();
    if (side == Side.PATRONI) {
      assertThat(e.getSQLState()).as("SQLState of %s", e).isEqualTo("22023");
      assertThat(e.getCause())
          .as("pgjdbc's own error as the cause")
          .isInstanceOf(SQLException.class);
    }
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }
}
