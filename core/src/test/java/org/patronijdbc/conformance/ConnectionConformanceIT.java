package org.patronijdbc.conformance;

import static org.patronijdbc.conformance.StatementConformanceIT.ITEMS;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.done;
import static org.patronijdbc.conformance.Values.query;

import java.sql.Connection;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * {@link Connection}: transactions, savepoints, isolation levels and read-only. Session state
 * (client info, warnings, type maps) is in {@link ConnectionSessionConformanceIT}, the lifecycle
 * (timeouts, abort, close) in {@link ConnectionLifecycleConformanceIT}.
 */
@PatroniTest
class ConnectionConformanceIT {

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, ConnectionConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  private static Object insert(Connection con, String name) throws Exception {
    try (Statement s = con.createStatement()) {
      return attempt(() -> s.executeUpdate("INSERT INTO items (name) VALUES ('" + name + "')"));
    }
  }

  @TestFactory
  Stream<DynamicTest> transactions() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "autocommit is on by default and can be toggled",
            con -> {
              boolean initial = con.getAutoCommit();
              con.setAutoCommit(false);
              boolean off = con.getAutoCommit();
              con.setAutoCommit(true);
              return all(initial, off, con.getAutoCommit());
            }),
        c.check(
            "commit makes a transaction's rows visible to other sessions",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              Object before = c.observe("SELECT count(*) FROM items");
              con.commit();
              return all(before, c.observe("SELECT count(*) FROM items"));
            }),
        c.check(
            "rollback undoes a transaction",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              Object inside = query(con, "SELECT count(*) FROM items");
              con.rollback();
              return all(inside, query(con, "SELECT count(*) FROM items"));
            }),
        c.check(
            "switching autocommit back on commits the open transaction",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              con.setAutoCommit(true);
              return c.observe("SELECT count(*) FROM items");
            }),
        c.check(
            "closing a connection with an open transaction rolls it back",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              con.close();
              return c.observe("SELECT count(*) FROM items");
            }),
        c.check(
            "commit and rollback in autocommit mode",
            con -> all(attempt(() -> done(con::commit)), attempt(() -> done(con::rollback)))),
        c.check(
            "after an error the transaction refuses work until rollback",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              Object failed = insert(con, "pear");
              Object refused = insert(con, "fig");
              con.rollback();
              return all(failed, refused, insert(con, "fig"));
            }),
        c.check(
            "commit of a failed transaction",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              insert(con, "pear");
              return all(
                  attempt(() -> done(con::commit)),
                  c.observe("SELECT count(*) FROM items"),
                  insert(con, "kiwi"));
            }));
  }

  @TestFactory
  Stream<DynamicTest> savepoints() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "rollback to a savepoint keeps what came before it",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              Savepoint sp = con.setSavepoint("before_kiwi");
              insert(con, "kiwi");
              con.rollback(sp);
              insert(con, "lime");
              con.commit();
              return all(
                  sp.getSavepointName(),
                  attempt(sp::getSavepointId),
                  c.observe("SELECT name FROM items ORDER BY id"));
            }),
        c.check(
            "an unnamed savepoint has an id and no name",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              Savepoint sp = con.setSavepoint();
              insert(con, "fig");
              con.rollback(sp);
              Object id = attempt(sp::getSavepointId);
              con.commit();
              return all(
                  id, attempt(sp::getSavepointName), query(con, "SELECT count(*) FROM items"));
            }),
        c.check(
            "a released savepoint cannot be rolled back to",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              Savepoint first = con.setSavepoint("first");
              insert(con, "fig");
              Savepoint second = con.setSavepoint("second");
              con.releaseSavepoint(second);
              Object again = attempt(() -> done(() -> con.rollback(second)));
              con.rollback();
              return all(again, attempt(() -> done(() -> con.releaseSavepoint(first))));
            }),
        c.check(
            "a savepoint rescues a transaction from an error",
            ITEMS,
            con -> {
              con.setAutoCommit(false);
              insert(con, "fig");
              Savepoint sp = con.setSavepoint();
              Object failed = insert(con, "pear");
              con.rollback(sp);
              con.releaseSavepoint(sp);
              con.commit();
              return all(failed, c.observe("SELECT name FROM items ORDER BY id"));
            }),
        c.check(
            "savepoints in autocommit mode are refused",
            con -> all(attempt(con::setSavepoint), attempt(() -> con.setSavepoint("named")))));
  }

  @TestFactory
  Stream<DynamicTest> isolationLevels() {
    Conformance c = conformance;
    Map<String, Integer> levels =
        Map.of(
            "READ_UNCOMMITTED", Connection.TRANSACTION_READ_UNCOMMITTED,
            "READ_COMMITTED", Connection.TRANSACTION_READ_COMMITTED,
            "REPEATABLE_READ", Connection.TRANSACTION_REPEATABLE_READ,
            "SERIALIZABLE", Connection.TRANSACTION_SERIALIZABLE);
    Stream<DynamicTest> each =
        levels.entrySet().stream()
            .sorted(Map.Entry.comparingByValue())
            .map(
                level ->
                    c.check(
                        "setTransactionIsolation(" + level.getKey() + ") and back",
                        con -> {
                          int initial = con.getTransactionIsolation();
                          con.setTransactionIsolation(level.getValue());
                          int set = con.getTransactionIsolation();
                          con.setAutoCommit(false);
                          Object server = query(con, "SHOW transaction_isolation");
                          con.commit();
                          con.setAutoCommit(true);
                          Object autocommit = query(con, "SHOW transaction_isolation");
                          return all(initial, set, server, autocommit);
                        }));
    return Stream.concat(
        each,
        Stream.of(
            c.check(
                "TRANSACTION_NONE and unknown levels are refused",
                con ->
                    all(
                        attempt(
                            () ->
                                done(
                                    () ->
                                        con.setTransactionIsolation(Connection.TRANSACTION_NONE))),
                        attempt(() -> done(() -> con.setTransactionIsolation(42))),
                        con.getTransactionIsolation())),
            c.check(
                "the isolation level cannot change in the middle of a transaction",
                con -> {
                  con.setAutoCommit(false);
                  query(con, "SELECT 1");
                  Object change =
                      attempt(
                          () ->
                              done(
                                  () ->
                                      con.setTransactionIsolation(
                                          Connection.TRANSACTION_SERIALIZABLE)));
                  return all(change, con.getTransactionIsolation());
                })));
  }

  @TestFactory
  Stream<DynamicTest> readOnly() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "setReadOnly(true) makes transactions read-only on the write connection",
            ITEMS,
            con -> {
              boolean initial = con.isReadOnly();
              con.setReadOnly(true);
              boolean set = con.isReadOnly();
              con.setAutoCommit(false);
              Object server = query(con, "SHOW transaction_read_only");
              Object write = insert(con, "fig");
              con.rollback();
              con.setReadOnly(false);
              Object writable = insert(con, "fig");
              con.commit();
              return all(initial, set, write, server, con.isReadOnly(), writable);
            }),
        c.check(
            "setReadOnly(true) in autocommit mode",
            ITEMS,
            con -> {
              con.setReadOnly(true);
              return all(
                  con.isReadOnly(),
                  insert(con, "fig"),
                  query(con, "SHOW transaction_read_only"),
                  c.observe("SELECT count(*) FROM items"));
            }),
        c.check(
            "setReadOnly in the middle of a transaction",
            con -> {
              con.setAutoCommit(false);
              query(con, "SELECT 1");
              return all(attempt(() -> done(() -> con.setReadOnly(true))), con.isReadOnly());
            }));
  }
}
