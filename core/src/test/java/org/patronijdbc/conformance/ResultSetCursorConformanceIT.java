package org.patronijdbc.conformance;

import static org.patronijdbc.conformance.ResultSetConformanceIT.TEN;
import static org.patronijdbc.conformance.ResultSetConformanceIT.at;
import static org.patronijdbc.conformance.StatementConformanceIT.ITEMS;
import static org.patronijdbc.conformance.Values.all;
import static org.patronijdbc.conformance.Values.attempt;
import static org.patronijdbc.conformance.Values.query;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.testkit.PatroniTest;

/**
 * {@link ResultSet} cursors: TYPE_SCROLL_INSENSITIVE movement, CONCUR_UPDATABLE changes on a table
 * with a primary key, and holdability over commit.
 */
@PatroniTest
class ResultSetCursorConformanceIT {

  private static Conformance conformance;

  @BeforeAll
  static void start(PatroniCluster cluster) {
    conformance = new Conformance(cluster, ResultSetCursorConformanceIT.class);
  }

  @AfterAll
  static void finish() {
    conformance.close();
  }

  @TestFactory
  Stream<DynamicTest> scrollable() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "TYPE_SCROLL_INSENSITIVE moves with absolute, relative, last and first",
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
                  ResultSet rs = s.executeQuery(TEN)) {
                List<Object> steps = new ArrayList<>();
                steps.add(rs.absolute(4) + " " + at(rs));
                steps.add(rs.relative(3) + " " + at(rs));
                steps.add(rs.relative(-5) + " " + at(rs));
                steps.add(rs.last() + " " + at(rs));
                steps.add(rs.previous() + " " + at(rs));
                steps.add(rs.first() + " " + at(rs));
                steps.add(rs.absolute(-2) + " " + at(rs));
                rs.afterLast();
                steps.add(at(rs));
                steps.add(rs.previous() + " " + at(rs));
                rs.beforeFirst();
                steps.add(at(rs));
                steps.add(rs.next() + " " + at(rs));
                return all(steps, rs.getType(), rs.getConcurrency());
              }
            }),
        c.check(
            "scrolling past either end",
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
                  ResultSet rs = s.executeQuery(TEN)) {
                List<Object> steps = new ArrayList<>();
                steps.add(rs.absolute(100) + " " + at(rs));
                steps.add(rs.absolute(0) + " " + at(rs));
                steps.add(rs.absolute(-100) + " " + at(rs));
                steps.add(rs.relative(20) + " " + at(rs));
                steps.add(rs.relative(-30) + " " + at(rs));
                return steps;
              }
            }),
        c.check(
            "a scrollable prepared statement reads backwards",
            con -> {
              try (var ps =
                      con.prepareStatement(
                          TEN + " WHERE g > ?",
                          ResultSet.TYPE_SCROLL_INSENSITIVE,
                          ResultSet.CONCUR_READ_ONLY);
                  ResultSet rs = setAndRun(ps, 6)) {
                rs.setFetchDirection(ResultSet.FETCH_REVERSE);
                rs.afterLast();
                List<Object> seen = new ArrayList<>();
                while (rs.previous()) {
                  seen.add(rs.getString("label"));
                }
                return all(seen, rs.getFetchDirection());
              }
            }));
  }

  private static ResultSet setAndRun(PreparedStatement ps, int value) throws Exception {
    ps.setInt(1, value);
    return ps.executeQuery();
  }

  @TestFactory
  Stream<DynamicTest> updatable() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "CONCUR_UPDATABLE: updateRow writes the row",
            ITEMS,
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                  ResultSet rs = s.executeQuery("SELECT id, name, qty FROM items ORDER BY id")) {
                rs.absolute(2);
                rs.updateInt("qty", 50);
                rs.updateString("name", "big pear");
                rs.updateRow();
                Object seen = all(rs.getString("name"), rs.getInt("qty"), rs.getConcurrency());
                return all(seen, query(con, "SELECT id, name, qty FROM items ORDER BY id"));
              }
            }),
        c.check(
            "CONCUR_UPDATABLE: insertRow adds a row, moveToCurrentRow returns",
            ITEMS,
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                  ResultSet rs = s.executeQuery("SELECT id, name, qty FROM items ORDER BY id")) {
                rs.absolute(1);
                rs.moveToInsertRow();
                rs.updateString("name", "fig");
                rs.updateInt("qty", 11);
                rs.insertRow();
                rs.moveToCurrentRow();
                Object back = at(rs);
                return all(back, query(con, "SELECT name, qty FROM items ORDER BY id"));
              }
            }),
        c.check(
            "CONCUR_UPDATABLE: deleteRow removes the row",
            ITEMS,
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                  ResultSet rs = s.executeQuery("SELECT id, name, qty FROM items ORDER BY id")) {
                rs.absolute(1);
                rs.deleteRow();
                Object after = all(rs.getRow(), rs.rowDeleted());
                return all(after, query(con, "SELECT name FROM items ORDER BY id"));
              }
            }),
        c.check(
            "CONCUR_UPDATABLE on a forward-only result set with cancelRowUpdates",
            ITEMS,
            con -> {
              try (Statement s =
                      con.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
                  ResultSet rs = s.executeQuery("SELECT id, name, qty FROM items ORDER BY id")) {
                rs.next();
                rs.updateInt("qty", 99);
                rs.cancelRowUpdates();
                rs.next();
                rs.updateInt("qty", 98);
                rs.updateRow();
                return query(con, "SELECT qty FROM items ORDER BY id");
              }
            }),
        c.check(
            "an updatable query without the table's key cannot be updated",
            "CREATE TABLE nokey (a int, b text); INSERT INTO nokey VALUES (1, 'x')",
            con -> {
              try (Statement s =
                      con.createStatement(
                          ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                  ResultSet rs = s.executeQuery("SELECT a, b FROM nokey")) {
                rs.next();
                return all(
                    rs.getConcurrency(),
                    attempt(
                        () -> {
                          rs.updateString("b", "y");
                          rs.updateRow();
                          return "updated";
                        }),
                    query(con, "SELECT a, b FROM nokey"));
              }
            }));
  }

  @TestFactory
  Stream<DynamicTest> holdability() {
    Conformance c = conformance;
    return Stream.of(
        c.check(
            "HOLD_CURSORS_OVER_COMMIT keeps a fetching result set open over commit",
            con -> {
              con.setAutoCommit(false);
              try (Statement s =
                  con.createStatement(
                      ResultSet.TYPE_FORWARD_ONLY,
                      ResultSet.CONCUR_READ_ONLY,
                      ResultSet.HOLD_CURSORS_OVER_COMMIT)) {
                s.setFetchSize(2);
                ResultSet rs = s.executeQuery(TEN);
                rs.next();
                con.commit();
                int count = 1;
                while (rs.next()) {
                  count++;
                }
                return all(attempt(rs::getHoldability), s.getResultSetHoldability(), count);
              }
            }),
        c.check(
            "CLOSE_CURSORS_AT_COMMIT: a fetching result set after commit",
            con -> {
              con.setAutoCommit(false);
              try (Statement s =
                  con.createStatement(
                      ResultSet.TYPE_FORWARD_ONLY,
                      ResultSet.CONCUR_READ_ONLY,
                      ResultSet.CLOSE_CURSORS_AT_COMMIT)) {
                s.setFetchSize(2);
                ResultSet rs = s.executeQuery(TEN);
                rs.next();
                rs.next();
                con.commit();
                Object afterCommit =
                    attempt(
                        () -> {
                          int count = 0;
                          while (rs.next()) {
                            count++;
                          }
                          return count;
                        });
                return all(attempt(rs::getHoldability), s.getResultSetHoldability(), afterCommit);
              }
            }),
        c.check(
            "the connection's holdability is the default of new result sets",
            con -> {
              int initial = con.getHoldability();
              con.setHoldability(ResultSet.HOLD_CURSORS_OVER_COMMIT);
              try (Statement s = con.createStatement();
                  ResultSet rs = s.executeQuery("SELECT 1")) {
                return all(
                    initial,
                    con.getHoldability(),
                    s.getResultSetHoldability(),
                    attempt(rs::getHoldability));
              }
            }));
  }
}
