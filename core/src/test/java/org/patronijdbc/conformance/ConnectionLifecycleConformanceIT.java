package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.done;
import static org.patronijdbc.conformance.Values.query;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.conformance.Conformance.SqlFunction;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * {@link Connection}'s lifecycle: network timeout, abort, isValid, close, and calls after close.
 */
@PatroniTest
class ConnectionLifecycleConformanceIT {

  /** Calls that need an open connection: after close each must throw (08003 in pgjdbc). */
  private static final Map<String, SqlFunction<Connection, Object>> AFTER_CLOSE =
      new LinkedHashMap<>();

  static {
    AFTER_CLOSE.put("createStatement", Connection::createStatement);
    AFTER_CLOSE.put("prepareStatement", con -> con.prepareStatement("SELECT 1"));
    AFTER_CLOSE.put("prepareCall", con -> con.prepareCall("{call f()}"));
    AFTER_CLOSE.put("commit", con -> done(con::commit));
    AFTER_CLOSE.put("rollback", con -> done(con::rollback));
    AFTER_CLOSE.put("setAutoCommit", con -> done(() -> con.setAutoCommit(false)));
    AFTER_CLOSE.put("getAutoCommit", Connection::getAutoCommit);
    AFTER_CLOSE.put(
        "setTransactionIsolation",
        con -> done(() -> con.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE)));
    AFTER_CLOSE.put("getTransactionIsolation", Connection::getTransactionIsolation);
    AFTER_CLOSE.put("setReadOnly", con -> done(() -> con.setReadOnly(true)));
    AFTER_CLOSE.put("getMetaData", con -> con.getMetaData().getDatabaseProductName());
    AFTER_CLOSE.put("setSavepoint", con -> con.setSavepoint().getSavepointId());
    AFTER_CLOSE.put("getWarnings", Connection::getWarnings);
    AFTER_CLOSE.put("setSchema", con -> done(() -> con.setSchema("public")));
    AFTER_CLOSE.put("getSchema", Connection::getSchema);
    AFTER_CLOSE.put("setClientInfo", con -> done(() -> con.setClientInfo("ApplicationName", "x")));
    AFTER_CLOSE.put("getClientInfo", con -> con.getClientInfo("ApplicationName"));
    AFTER_CLOSE.put("getNetworkTimeout", Connection::getNetworkTimeout);
    AFTER_CLOSE.put("createArrayOf", con -> con.createArrayOf("int4", new Integer[] {1}));
    AFTER_CLOSE.put("getTypeMap", Connection::getTypeMap);
    AFTER_CLOSE.put("setHoldability", con -> done(() -> con.setHoldability(1)));
  }

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, ConnectionLifecycleConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> timeoutsAndAbort() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "setNetworkTimeout and getNetworkTimeout",
            con -> {
              ExecutorService executor = Executors.newSingleThreadExecutor();
              try {
                int initial = con.getNetworkTimeout();
                con.setNetworkTimeout(executor, 1500);
                int set = con.getNetworkTimeout();
                Object quick = query(con, "SELECT pg_sleep(0.1)::text");
                return all(
                    initial,
                    set,
                    quick,
                    attempt(() -> done(() -> con.setNetworkTimeout(executor, -1))));
              } finally {
                executor.shutdownNow();
              }
            }),
        c.check(
            "a statement longer than the network timeout breaks the connection",
            con -> {
              ExecutorService executor = Executors.newSingleThreadExecutor();
              try {
                con.setNetworkTimeout(executor, 500);
                long start = System.nanoTime();
                Object outcome = attempt(() -> query(con, "SELECT pg_sleep(3)::text"));
                boolean quick = System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2);
                return all(outcome, quick, con.isClosed(), con.isValid(1));
              } finally {
                executor.shutdownNow();
              }
            }),
        c.check(
            "abort with a direct executor closes the connection at once",
            con -> {
              con.abort(Runnable::run);
              return all(
                  con.isClosed(),
                  con.isValid(1),
                  attempt(con::createStatement),
                  attempt(() -> done(con::close)));
            }),
        c.check(
            "abort with a thread pool closes the connection",
            con -> {
              ExecutorService executor = Executors.newSingleThreadExecutor();
              con.abort(executor);
              executor.shutdown();
              boolean finished = executor.awaitTermination(10, TimeUnit.SECONDS);
              return all(finished, con.isClosed(), attempt(con::createStatement));
            }),
        c.check(
            "abort without an executor is refused",
            con ->
                all(
                    attempt(() -> done(() -> con.abort(null))),
                    con.isClosed(),
                    query(con, "SELECT 1"))),
        c.check(
            "abort of a closed connection is a no-op",
            con -> {
              con.close();
              return all(attempt(() -> done(() -> con.abort(Runnable::run))), con.isClosed());
            }));
  }

  @TestFactory
  Stream<DynamicTest> validityAndClose() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "isValid on an open connection, and with a negative timeout",
            con -> all(con.isValid(0), con.isValid(2), attempt(() -> con.isValid(-1)))),
        c.check(
            "isValid inside a transaction and after an error in it",
            con -> {
              con.setAutoCommit(false);
              attempt(() -> query(con, "SELECT 1/0"));
              boolean valid = con.isValid(2);
              Object refused = attempt(() -> query(con, "SELECT 1"));
              con.rollback();
              return all(valid, refused, query(con, "SELECT 1"));
            }),
        c.check(
            "close twice: the second close is a no-op",
            con -> {
              boolean before = con.isClosed();
              con.close();
              Object second = attempt(() -> done(con::close));
              return all(before, con.isClosed(), second, con.isValid(1));
            }),
        c.check(
            "statements and result sets close with their connection",
            con -> {
              var s = con.createStatement();
              var rs = s.executeQuery("SELECT 1");
              var ps = con.prepareStatement("SELECT 2");
              con.close();
              return all(s.isClosed(), ps.isClosed(), rs.isClosed(), attempt(rs::next));
            }),
        c.eachSide(
            "calls after close throw SQLState 08003",
            "",
            (side, conf) -> {
              Connection con = conf.open(side);
              con.close();
              for (String call :
                  new String[] {
                    "createStatement",
                    "prepareStatement",
                    "prepareCall",
                    "commit",
                    "rollback",
                    "setAutoCommit",
                    "getMetaData",
                    "setSavepoint"
                  }) {
                assertThatThrownBy(() -> AFTER_CLOSE.get(call).apply(con))
                    .as(call + " after close")
                    .isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState())
                    .isEqualTo("08003");
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> afterClose() {
    return AFTER_CLOSE.entrySet().stream()
        .map(
            call ->
                conformance.check(
                    "after close, " + call.getKey() + " fails alike",
                    con -> {
                      con.close();
                      return call.getValue().apply(con);
                    }));
  }

  @TestFactory
  Stream<DynamicTest> afterAbort() {
    return Stream.of(
        conformance.check(
            "after abort, calls fail alike",
            con -> {
              con.abort(Runnable::run);
              Properties p = new Properties();
              p.setProperty("ApplicationName", "x");
              return all(
                  attempt(con::createStatement),
                  attempt(() -> done(con::commit)),
                  attempt(() -> done(() -> con.setClientInfo(p))),
                  attempt(() -> done(con::rollback)),
                  attempt(() -> con.getMetaData().getDatabaseProductName()),
                  con.isClosed());
            }));
  }
}
