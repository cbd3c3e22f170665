package org.patronijdbc.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.facts;
import static org.patronijdbc.conformance.Values.query;
import static org.patronijdbc.conformance.Values.rows;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/** {@link Statement}: queries, updates, errors, limits, timeouts, batches and generated keys. */
@PatroniTest
class StatementConformanceIT {

  static final String ITEMS =
      "CREATE TABLE items (id serial PRIMARY KEY, name text UNIQUE NOT NULL, qty int DEFAULT 0);"
          + " INSERT INTO items (name, qty) VALUES ('apple', 3), ('pear', 5), ('plum', 7)";

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, StatementConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> queriesAndUpdates() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "executeQuery returns typed values of the common types",
            con ->
                query(
                    con,
                    "SELECT 1 AS i, 2::bigint AS b, 2.50::numeric(5,2) AS n, 'x'::text AS t,"
                        + " true AS bool, DATE '2024-02-29' AS d,"
                        + " TIMESTAMP '2024-02-29 12:34:56.789' AS ts, 1.5::float8 AS f,"
                        + " '\\x00ff'::bytea AS bin, NULL::int AS nothing,"
                        + " ARRAY[1,2,3] AS arr, '{\"a\": 1}'::jsonb AS j,"
                        + " '1 day 2 hours'::interval AS iv,"
                        + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u")),
        c.check(
            "executeUpdate returns 0 for DDL and the row count for DML",
            con -> {
              try (Statement s = con.createStatement()) {
                return all(
                    s.executeUpdate("CREATE TABLE t (a int)"),
                    s.executeUpdate("INSERT INTO t SELECT generate_series(1, 10)"),
                    s.executeUpdate("UPDATE t SET a = a + 1 WHERE a > 5"),
                    s.executeUpdate("DELETE FROM t WHERE a < 3"),
                    s.executeLargeUpdate("DELETE FROM t"));
              }
            }),
        c.check(
            "execute tells a result set from an update count",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                boolean query = s.execute("SELECT name FROM items ORDER BY id");
                Object rs = rows(s.getResultSet());
                int countAfterQuery = s.getUpdateCount();
                boolean update = s.execute("UPDATE items SET qty = qty + 1");
                return all(
                    query,
                    rs,
                    countAfterQuery,
                    update,
                    s.getUpdateCount(),
                    s.getMoreResults(),
                    s.getUpdateCount());
              }
            }),
        c.check(
            "several statements in one execute come back one by one",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                List<Object> results = new ArrayList<>();
                boolean isQuery =
                    s.execute(
                        "SELECT count(*) FROM items; UPDATE items SET qty = 0 WHERE id < 3;"
                            + " SELECT name FROM items WHERE qty = 0 ORDER BY id");
                while (true) {
                  if (isQuery) {
                    results.add(rows(s.getResultSet()));
                  } else if (s.getUpdateCount() != -1) {
                    results.add(s.getUpdateCount());
                  } else {
                    break;
                  }
                  isQuery = s.getMoreResults();
                }
                return results;
              }
            }),
        c.check(
            "a syntax error has SQLState 42601 and the statement stays usable",
            con -> {
              try (Statement s = con.createStatement()) {
                return all(
                    attempt(() -> s.executeQuery("SELEC 1")), rows(s.executeQuery("SELECT 2")));
              }
            }),
        c.check(
            "an unknown table has SQLState 42P01",
            con -> con.createStatement().executeQuery("SELECT * FROM no_such_table")),
        c.check(
            "a duplicate key has SQLState 23505",
            ITEMS,
            con -> con.createStatement().executeUpdate("INSERT INTO items (name) VALUES ('pear')")),
        c.check(
            "executeQuery of a statement without results fails",
            ITEMS,
            con -> con.createStatement().executeQuery("UPDATE items SET qty = 1")),
        c.check(
            "executeUpdate of a query fails",
            con -> con.createStatement().executeUpdate("SELECT 1")));
  }

  @TestFactory
  Stream<DynamicTest> limitsAndTimeouts() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "setMaxRows limits the rows and getMaxRows reports it",
            con -> {
              try (Statement s = con.createStatement()) {
                s.setMaxRows(3);
                return all(
                    s.getMaxRows(), rows(s.executeQuery("SELECT generate_series(1, 10) AS n")));
              }
            }),
        c.check(
            "a fetch size inside a transaction still returns every row",
            con -> {
              con.setAutoCommit(false);
              try (Statement s = con.createStatement()) {
                s.setFetchSize(7);
                ResultSet rs = s.executeQuery("SELECT generate_series(1, 1000) AS n");
                int fetchSize = rs.getFetchSize();
                long sum = 0;
                int count = 0;
                while (rs.next()) {
                  sum += rs.getLong(1);
                  count++;
                }
                con.commit();
                return all(s.getFetchSize(), fetchSize, count, sum);
              }
            }),
        c.check(
            "setQueryTimeout cancels a long statement with 57014",
            con -> {
              try (Statement s = con.createStatement()) {
                s.setQueryTimeout(1);
                long start = System.nanoTime();
                Object outcome = attempt(() -> s.execute("SELECT pg_sleep(10)"));
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                return all(s.getQueryTimeout(), outcome, seconds < 5, con.isValid(2));
              }
            }),
        c.check(
            "cancel from another thread ends a running statement with 57014",
            con -> {
              try (Statement s = con.createStatement()) {
                CompletableFuture<Void> canceller =
                    CompletableFuture.runAsync(
                        () -> {
                          try {
                            Thread.sleep(500);
                            s.cancel();
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                        });
                Object outcome = attempt(() -> s.execute("SELECT pg_sleep(10)"));
                canceller.get(10, TimeUnit.SECONDS);
                return all(outcome, rows(s.executeQuery("SELECT 'still usable'")));
              }
            }),
        c.check(
            "a new statement reports pgjdbc's defaults",
            con -> {
              try (Statement s = con.createStatement()) {
                return facts(
                    "type", s.getResultSetType(),
                    "concurrency", s.getResultSetConcurrency(),
                    "holdability", s.getResultSetHoldability(),
                    "fetchSize", s.getFetchSize(),
                    "fetchDirection", s.getFetchDirection(),
                    "maxRows", s.getMaxRows(),
                    "maxFieldSize", s.getMaxFieldSize(),
                    "queryTimeout", s.getQueryTimeout(),
                    "poolable", s.isPoolable(),
                    "closeOnCompletion", s.isCloseOnCompletion(),
                    "warnings", s.getWarnings());
              }
            }),
        c.check(
            "closeOnCompletion closes the statement with its last result set",
            con -> {
              Statement s = con.createStatement();
              s.closeOnCompletion();
              ResultSet rs = s.executeQuery("SELECT 1");
              boolean before = s.isClosed();
              rs.close();
              return all(before, s.isClosed());
            }),
        c.check(
            "a closed statement says so and refuses work",
            con -> {
              Statement s = con.createStatement();
              s.close();
              s.close();
              return all(s.isClosed(), attempt(() -> s.executeQuery("SELECT 1")));
            }),
        c.check(
            "JDBC escapes are translated; enquote helpers quote",
            con -> {
              try (Statement s = con.createStatement()) {
                Object escaped =
                    rows(
                        s.executeQuery(
                            "SELECT {fn ucase('abc')} AS u, {d '2024-01-02'} AS d,"
                                + " {fn concat('a', 'b')} AS ab"));
                return all(
                    escaped,
                    s.enquoteIdentifier("Mixed Case", false),
                    s.enquoteLiteral("it's"),
                    s.isSimpleIdentifier("plain"),
                    s.enquoteNCharLiteral("x"));
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> batchesAndKeys() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "a Statement batch returns one count per statement",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                s.addBatch("INSERT INTO items (name) VALUES ('fig')");
                s.addBatch("UPDATE items SET qty = qty + 1 WHERE qty > 4");
                s.addBatch("DELETE FROM items WHERE name = 'apple'");
                int[] counts = s.executeBatch();
                s.addBatch("DELETE FROM items");
                s.clearBatch();
                int[] empty = s.executeBatch();
                return all(counts, empty, query(con, "SELECT name, qty FROM items ORDER BY id"));
              }
            }),
        c.check(
            "a failing Statement batch throws BatchUpdateException with the counts so far",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                s.addBatch("INSERT INTO items (name) VALUES ('fig')");
                s.addBatch("INSERT INTO items (name) VALUES ('pear')");
                s.addBatch("INSERT INTO items (name) VALUES ('kiwi')");
                return all(
                    attempt(s::executeBatch),
                    query(con, "SELECT name FROM items ORDER BY id"),
                    s.getConnection().getAutoCommit());
              }
            }),
        c.check(
            "executeLargeBatch returns long counts",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                s.addBatch("UPDATE items SET qty = 1");
                s.addBatch("UPDATE items SET qty = 2 WHERE id = 1");
                return s.executeLargeBatch();
              }
            }),
        c.check(
            "Statement.executeUpdate with RETURN_GENERATED_KEYS returns the new rows",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                int n =
                    s.executeUpdate(
                        "INSERT INTO items (name, qty) VALUES ('fig', 1), ('kiwi', 2)",
                        Statement.RETURN_GENERATED_KEYS);
                return all(n, rows(s.getGeneratedKeys()));
              }
            }),
        c.check(
            "Statement.executeUpdate with column names returns those columns",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                int n =
                    s.executeUpdate(
                        "INSERT INTO items (name) VALUES ('fig')", new String[] {"id", "qty"});
                return all(n, rows(s.getGeneratedKeys()));
              }
            }),
        c.check(
            "without a request for keys getGeneratedKeys is empty",
            ITEMS,
            con -> {
              try (Statement s = con.createStatement()) {
                s.executeUpdate("INSERT INTO items (name) VALUES ('fig')");
                return rows(s.getGeneratedKeys());
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> identity() {
    Conformance c = conformance;
    return Stream.of(
        c.eachSide(
            "Statement.getConnection() is the application's connection",
            "",
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  Statement s = con.createStatement()) {
                assertThat(s.getConnection()).as("Statement.getConnection()").isSameAs(con);
              }
            }),
        c.eachSide(
            "the generated keys' statement belongs to the application's connection",
            ITEMS,
            (side, conf) -> {
              try (Connection con = conf.open(side);
                  Statement s = con.createStatement()) {
                s.executeUpdate(
                    "INSERT INTO items (name) VALUES ('fig')", Statement.RETURN_GENERATED_KEYS);
                try (ResultSet keys = s.getGeneratedKeys()) {
                  assertThat(keys.getStatement().getConnection())
                      .as("getGeneratedKeys().getStatement().getConnection()")
                      .isSameAs(con);
                }
              }
            }));
  }
}
